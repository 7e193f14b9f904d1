// Package caps turns the capabilities of an OCI process
// (process.capabilities: bounding, effective, permitted, inheritable,
// ambient) into the five kernel capability sets of the container's init,
// and applies them on the init's last steps before execve.
//
// Lab 07 ("the OCI bundle and lifecycle") introduces it. Read
// example_test.go first (a plan for `runc spec`'s capabilities), names.go
// (capability names and numbers), then plan.go (the pure part: which
// bits end up in which set, validated with errors naming the field), then
// apply_linux.go (the order of prctl and capset calls around setuid).
//
// Why root in a container is not root on the host: execve as uid 0 gives
// the program every capability of its bounding set, so the bounding set is
// what really limits a root container. Apply drops everything the spec does
// not list from it, irreversibly, before the program starts.
package caps
