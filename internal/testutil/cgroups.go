package testutil

import (
	"fmt"
	"os"
	"testing"

	"github.com/skiffrun/skiff/cgroups"
)

// CgroupParentEnv names the variable through which tests (and the skiff
// processes they start) learn the cgroup parent to put containers in.
const CgroupParentEnv = "SKIFF_CGROUP_PARENT"

// RunNested runs a package's tests with every container cgroup below the
// cgroup this test process runs in (never moving anything out of it): as
// root it nests a parent with cgroups.Nest, exports it in
// SKIFF_CGROUP_PARENT for the tests and the skiff processes they start, and
// removes it afterwards. Use it from TestMain: os.Exit(testutil.RunNested(m, "name")).
func RunNested(m *testing.M, name string) int {
	if os.Geteuid() != 0 {
		defer removeBuiltBinary()
		return m.Run()
	}
	parent, undo, err := cgroups.Nest(fmt.Sprintf("%s-%d", name, os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "nest test cgroups:", err)
		return 1
	}
	os.Setenv(CgroupParentEnv, parent)
	code := m.Run()
	removeBuiltBinary()
	if err := undo(); err != nil {
		fmt.Fprintln(os.Stderr, "remove test cgroups:", err)
		return 1
	}
	return code
}
