package pod

import (
	"fmt"
	"os"
	"testing"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/runtime/container"
)

// testCgroupParent keeps every pod cgroup of the tests below the cgroup
// the test process runs in.
var testCgroupParent string

// TestMain lets the test binary play skiff: the pod runtime re-executes
// "itself" as the pod monitor, the pause process and container init.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "init":
			container.Init()
			os.Exit(1)
		case "pod-pause":
			hostname := ""
			if len(os.Args) > 2 {
				hostname = os.Args[2]
			}
			if err := Pause(hostname); err != nil {
				os.Exit(1)
			}
			os.Exit(0)
		case "pod-monitor":
			if err := MonitorMain(); err != nil {
				os.Exit(1)
			}
			os.Exit(0)
		}
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if os.Geteuid() != 0 {
		return m.Run()
	}
	parent, undo, err := cgroups.Nest(fmt.Sprintf("skiff-podtest-%d", os.Getpid()))
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
