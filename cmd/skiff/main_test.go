package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/skiffrun/skiff/cgroups"
)

// TestMain nests every test container's cgroup below this test process's
// own cgroup; skiff processes started by the tests inherit the parent
// through SKIFF_CGROUP_PARENT.
func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if os.Geteuid() != 0 {
		return m.Run()
	}
	parent, undo, err := cgroups.Nest(fmt.Sprintf("skiff-test-%d", os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "nest test cgroups:", err)
		return 1
	}
	os.Setenv("SKIFF_CGROUP_PARENT", parent)
	code := m.Run()
	if err := undo(); err != nil {
		fmt.Fprintln(os.Stderr, "remove test cgroups:", err)
		return 1
	}
	return code
}
