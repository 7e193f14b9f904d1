package cgroups

import (
	"context"
	"os"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Manager drives one container's cgroup. New returns the v2 or the v1
// implementation for the host; both behave the same from outside.
//
// Lifecycle as the runtime uses it:
//
//	m, _ := cgroups.New(spec.Linux.CgroupsPath, cgroups.Options{ID: id})
//	m.Create(spec.Linux.Resources)            // mkdir + limit writes
//	if f, err := m.CgroupFD(); err == nil {   // v2: clone straight in
//		attr.UseCgroupFD, attr.CgroupFD = true, int(f.Fd())
//	}                                         // ... cmd.Start(); f.Close()
//	m.Apply(cmd.Process.Pid)                  // v1 (and harmless on v2)
//	save(m.Paths())                           // later: cgroups.Load(paths)
//	m.KillAll(ctx); m.Destroy(ctx)
type Manager interface {
	// Mode is the host's cgroup mode this manager drives.
	Mode() Mode
	// Paths maps controller to the container's cgroup directory: one
	// entry with key "" on cgroup v2, one per v1 controller otherwise.
	// Store it in the container state and give it to Load later.
	Paths() map[string]string
	// Create makes the cgroup (and missing parents) and applies r. On
	// any error, including an invalid r, it leaves nothing behind.
	Create(r *specs.LinuxResources) error
	// CgroupFD opens the cgroup directory for
	// SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}, so the child
	// starts inside the cgroup (clone3 CLONE_INTO_CGROUP). The caller
	// closes it after Start. v1: ErrNoCgroupFD.
	CgroupFD() (*os.File, error)
	// Apply moves process pid (all its threads) into the cgroup.
	Apply(pid int) error
	// Update applies new resources to an existing cgroup. Device rules,
	// if any, should be the complete list as Create got it: v1 adds them
	// to the cgroup's current rules, v2 replaces its device program.
	Update(r *specs.LinuxResources) error
	// Freeze stops every process in the cgroup and waits until the
	// kernel reports it frozen; Thaw resumes them.
	Freeze(ctx context.Context) error
	Thaw(ctx context.Context) error
	// Frozen reports whether the cgroup is frozen (the "paused" state).
	Frozen() (bool, error)
	// Signal sends sig to every process in the cgroup, frozen while
	// the list is read so no fork escapes.
	Signal(ctx context.Context, sig syscall.Signal) error
	// KillAll SIGKILLs every process and waits until the cgroup is empty
	// (cgroup.kill on Linux 5.14+ v2, else a freeze-kill-thaw loop).
	KillAll(ctx context.Context) error
	// PIDs lists the processes in the cgroup and its children.
	PIDs() ([]int, error)
	// Stats reads memory, cpu, pids and io accounting.
	Stats() (*Stats, error)
	// Destroy removes the cgroup directories (children first), retrying
	// while the kernel still reports them busy. Kill first.
	Destroy(ctx context.Context) error
	// Exists reports whether the cgroup directory is there.
	Exists() bool
}
