// Command mkbusybox writes a busybox root filesystem into a directory, for
// scripts (benchmarks, conformance) that need a bundle: go run
// ./internal/testutil/cmd/mkbusybox DIR.
package main

import (
	"fmt"
	"os"

	"github.com/skiffrun/skiff/internal/testutil"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkbusybox DIR")
		os.Exit(2)
	}
	if err := testutil.WriteBusyboxRootfs(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "mkbusybox:", err)
		os.Exit(1)
	}
}
