//go:build skiff_runc

package main

// runcOnly is true in the runc-only variant (build tag skiff_runc, see
// main.go): whatever its file name, it speaks runc's command line.
const runcOnly = true
