//go:build !skiff_runc

package main

// runcOnly is false in the full binary: argv[0] chooses between skiff's
// command line and runc's.
const runcOnly = false
