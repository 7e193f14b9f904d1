package pod

import (
	"os"
	"testing"

	"github.com/skiffrun/skiff/internal/testutil"
	"github.com/skiffrun/skiff/runtime/container"
)

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
	os.Exit(testutil.RunNested(m, "skiff-podtest"))
}

// testCgroupParent keeps every pod cgroup of the tests below the cgroup
// the test process runs in (set by testutil.RunNested).
func testCgroupParent() string { return os.Getenv(testutil.CgroupParentEnv) }
