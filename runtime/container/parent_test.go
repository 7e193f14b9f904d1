package container_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/runtime/container"
)

// The default parent cgroup ("skiff") stays while a container lives in it
// and goes with the last one, so that skiff leaves nothing behind.
func TestDefaultParentGoesWithItsLastContainer(t *testing.T) {
	e := newEnv(t)
	if mode, err := cgroups.DetectMode(); err != nil || mode.V2() {
		t.Skip("on cgroup v2 the default parent is /skiff at the root of the hierarchy: tests stay below their own cgroup")
	}
	e.rt.CgroupParent = "" // the default: skiff below our own cgroups
	ctx := context.Background()
	var parents []string
	for _, id := range []string{"first", "last"} {
		if _, err := e.rt.Create(ctx, container.CreateOptions{ID: id, Spec: e.spec("sleep", "60"), Rootfs: e.rootfs, Bundle: e.rootfs}); err != nil {
			t.Fatal(err)
		}
		st := mustState(t, e, id, container.Created)
		for _, dir := range st.CgroupPaths {
			parents = append(parents, filepath.Dir(dir))
		}
	}
	exist := func() (n int) {
		for _, p := range parents {
			if _, err := os.Stat(p); err == nil {
				n++
			}
		}
		return n
	}
	if err := e.rt.Delete(ctx, "first", true); err != nil {
		t.Fatal(err)
	}
	if exist() != len(parents) {
		t.Fatalf("the parent cgroups %v went while a container was still in them", parents)
	}
	if err := e.rt.Delete(ctx, "last", true); err != nil {
		t.Fatal(err)
	}
	if n := exist(); n != 0 {
		t.Errorf("%d of the parent cgroups %v left after the last container", n, parents)
	}
}
