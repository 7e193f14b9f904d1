package container_test

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/internal/testutil"
)

// The init sets up its rootfs while the runtime moves it into its cgroup,
// and must wait for the move before it makes its cgroup namespace: made too
// early, the namespace would be rooted at the runtime's cgroup and the
// container would see itself at /skiff/ID instead of at /. Both orders of
// create are covered: config sent at once, and after a prestart hook.
func TestCgroupNamespaceIsRootedAtTheContainersCgroup(t *testing.T) {
	for name, hooks := range map[string]*specs.Hooks{
		"config at once":        nil,
		"after a prestart hook": {Prestart: []specs.Hook{{Path: testutil.Busybox, Args: []string{"true"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			s := e.spec("cat", "/proc/self/cgroup")
			s.Hooks = hooks
			code, out := e.runSpec(t, "cgns", s)
			if code != 0 {
				t.Fatalf("run: exit %d\n%s", code, out)
			}
			lines := strings.Fields(out)
			if len(lines) == 0 {
				t.Fatal("no /proc/self/cgroup output")
			}
			for _, l := range lines {
				if !strings.HasSuffix(l, ":/") {
					t.Errorf("inside the container %q, want every cgroup at / of its namespace", l)
				}
			}
		})
	}
}
