// Package explain turns every change skiff makes to the network into the
// `ip`, `sysctl` or `nft` command that would make the same change by hand,
// so a learner can read what happened and replay it in a shell.
//
// The packages that change the network take a Func and call it once per
// change, before making it. A nil Func prints nothing.
//
// Lab 06 introduces it; read explain.go.
package explain
