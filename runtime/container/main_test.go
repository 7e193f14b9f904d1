package container_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/skiffrun/skiff/cgroups"
)

// testCgroupParent keeps every test container's cgroup below the cgroup
// this test process runs in (never moving anything out of it).
var testCgroupParent string

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
	testCgroupParent = parent
	code := m.Run()
	if err := undo(); err != nil {
		fmt.Fprintln(os.Stderr, "remove test cgroups:", err)
		return 1
	}
	return code
}
