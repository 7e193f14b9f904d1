package container

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/runtime/initproc"
)

// defaultCgroupParent is where containers' cgroups go when neither the
// config's cgroupsPath nor --cgroup-parent says: /skiff on a pure cgroup v2
// host (the parent must be outside any process's cgroup there), and
// "skiff" below the caller's own cgroups on v1 and hybrid hosts, as runc
// does with an empty cgroupsPath, so a runtime confined to a cgroup keeps
// its containers inside it.
func defaultCgroupParent() string {
	mode, err := cgroups.DetectMode()
	if err == nil && mode.V2() {
		return "/skiff"
	}
	return "skiff"
}

// resolveCgroup finds where the container's cgroup goes; the paths are
// recorded in the state before the cgroup exists, so that a runtime
// killed in between still leaves delete enough to remove it.
func (c *creation) resolveCgroup() error {
	parent := c.opts.CgroupParent
	if parent == "" {
		parent = c.rt.CgroupParent
	}
	if parent == "" {
		parent = defaultCgroupParent()
	}
	m, err := cgroups.New(c.state.Spec.Linux.CgroupsPath, cgroups.Options{ID: c.opts.ID, Parent: parent, Log: c.rt.Log})
	if err != nil {
		return err
	}
	c.state.CgroupPaths = m.Paths()
	c.pendingCgroup = m
	return nil
}

// createCgroup makes the cgroup with its limits.
func (c *creation) createCgroup() error {
	err := c.pendingCgroup.Create(c.state.Spec.Linux.Resources)
	if errors.Is(err, fs.ErrNotExist) {
		// The delete of the last other container removed the default
		// parent between two of our mkdirs (RemoveEmptyParent): again.
		err = c.pendingCgroup.Create(c.state.Spec.Linux.Resources)
	}
	if err != nil {
		return err
	}
	c.cgroup = c.pendingCgroup
	return nil
}

// joinCgroup moves the init into its cgroup on v1 (on v2 it was born
// there: UseCgroupFD), then tells the init, which waits for it before
// anything the cgroup must see.
func (c *creation) joinCgroup() error {
	if !c.cgroup.Mode().V2() || c.cgroupFD == nil {
		if err := c.cgroup.Apply(c.cmd.Process.Pid); err != nil {
			return c.reportedOr(err)
		}
	}
	if err := initproc.Report(c.sync, initproc.Message{Type: initproc.TypeJoined}, nil); err != nil {
		return c.reportedOr(err)
	}
	return nil
}

// reportedOr returns the init's own failure, when it failed while we were
// moving it (its rootfs set-up runs meanwhile), rather than err, which is
// then only a consequence of its exit.
func (c *creation) reportedOr(err error) error {
	c.cmd.Process.Kill()
	if rerr := initproc.Receive(c.sync, nil); rerr != nil && !errors.Is(rerr, initproc.ErrNoReport) {
		return rerr
	}
	return err
}

// cgroupOf reopens a container's cgroup; nil when it has none (a create
// that never got that far).
func cgroupOf(st *State, log *slog.Logger) (cgroups.Manager, error) {
	if len(st.CgroupPaths) == 0 {
		return nil, nil
	}
	m, err := cgroups.Load(st.CgroupPaths, log)
	if errors.Is(err, cgroups.ErrNotExist) {
		return nil, nil
	}
	return m, err
}

// destroyCgroup kills whatever is left in the cgroup and removes it.
func destroyCgroup(ctx context.Context, st *State, log *slog.Logger) error {
	m, err := cgroupOf(st, log)
	if m == nil || err != nil {
		return err
	}
	if err := m.KillAll(ctx); err != nil {
		return fmt.Errorf("kill processes of %s: %w", st.ID, err)
	}
	if err := m.Destroy(ctx); err != nil {
		return err
	}
	if st.Spec == nil || st.Spec.Linux == nil || st.Spec.Linux.CgroupsPath == "" {
		RemoveEmptyParent(st.CgroupPaths) // a config's own cgroupsPath owns its parents
	}
	return nil
}

// RemoveEmptyParent removes the default parent cgroup ("skiff", see
// defaultCgroupParent) of a removed cgroup's paths once nothing else is in
// it, so that skiff leaves nothing behind; while other containers or pods
// live there, rmdir fails with EBUSY and changes nothing. A create that
// loses its parent this way between two mkdirs makes it again.
func RemoveEmptyParent(paths map[string]string) {
	for _, dir := range paths {
		if parent := filepath.Dir(dir); filepath.Base(parent) == "skiff" {
			_ = unix.Rmdir(parent)
		}
	}
}

func init() {
	frozenCheck = func(st *State) bool {
		m, err := cgroupOf(st, slog.New(slog.DiscardHandler))
		if m == nil || err != nil {
			return false
		}
		frozen, err := m.Frozen()
		return err == nil && frozen
	}
}

// Pause freezes every process of a running container.
func (rt *Runtime) Pause(ctx context.Context, id string) error {
	return rt.freezer(ctx, id, Running, "pause", func(m cgroups.Manager) error { return m.Freeze(ctx) })
}

// Resume thaws a paused container.
func (rt *Runtime) Resume(ctx context.Context, id string) error {
	return rt.freezer(ctx, id, Paused, "resume", func(m cgroups.Manager) error { return m.Thaw(ctx) })
}

func (rt *Runtime) freezer(ctx context.Context, id, want, verb string, do func(cgroups.Manager) error) error {
	st, err := Load(rt.Root, id)
	if err != nil {
		return err
	}
	if status := st.Status(); status != want {
		return fmt.Errorf("%s container %s: %w: it is %s, not %s", verb, id, ErrState, status, want)
	}
	m, err := cgroupOf(st, rt.Log)
	if err != nil || m == nil {
		return fmt.Errorf("%s container %s: no cgroup (%v)", verb, id, err)
	}
	if err := do(m); err != nil {
		return fmt.Errorf("%s container %s: %w", verb, id, err)
	}
	return nil
}

// KillAll sends sig to every process of the container (kill --all).
func (rt *Runtime) KillAll(ctx context.Context, id string, sig syscall.Signal) error {
	st, err := Load(rt.Root, id)
	if err != nil {
		return err
	}
	m, err := cgroupOf(st, rt.Log)
	if err != nil || m == nil {
		return fmt.Errorf("kill --all container %s: no cgroup (%v)", id, err)
	}
	return m.Signal(ctx, sig)
}
