// Package cgroups puts a container's processes in a control group and
// limits and accounts what they use: memory, CPU time and CPUs, process
// count, block I/O, huge pages, and which device nodes they may open. It
// is lab 02 of the course ("cgroups: limits and accounting") and imports
// no other skiff package.
//
// Read first: plan.go (resources -> file writes, pure), then
// v2_linux.go and v1_linux.go (the two managers), then root_linux_test.go
// (what each limit does to a real process). devices.go and
// devices_linux.go are the cgroup v2 device rules (an eBPF program).
//
// # What a cgroup is
//
// The course notes put it in one line: a cgroup is "a subsystem directory
// plus a set of resource-limit files". The kernel exposes cgroups as a
// file system. Making a directory makes a cgroup; writing a PID to its
// cgroup.procs moves that process in; writing a number to a file such as
// memory.max sets a limit; reading memory.current reads the accounting.
// Removing the (empty) directory removes the cgroup.
//
// # Two layouts: v1 and v2, side by side
//
// cgroup v1 (and "hybrid" hosts) mount one hierarchy per controller. A
// container has one directory in each, with the controller's own file
// names:
//
//	/sys/fs/cgroup/memory/skiff/web/memory.limit_in_bytes   268435456
//	/sys/fs/cgroup/memory/skiff/web/memory.memsw.limit_in_bytes (memory+swap)
//	/sys/fs/cgroup/cpu/skiff/web/cpu.cfs_quota_us           50000
//	/sys/fs/cgroup/cpu/skiff/web/cpu.cfs_period_us          100000
//	/sys/fs/cgroup/cpu/skiff/web/cpu.shares                 512
//	/sys/fs/cgroup/cpuset/skiff/web/cpuset.cpus             0-1
//	/sys/fs/cgroup/pids/skiff/web/pids.max                  100
//	/sys/fs/cgroup/freezer/skiff/web/freezer.state          THAWED
//	/sys/fs/cgroup/unified/   (hybrid only: an empty cgroup2 tree)
//
// The process must be written into cgroup.procs of every hierarchy
// (Manager.Apply), and each hierarchy can place it differently.
//
// cgroup v2 ("unified", the default on current distributions) mounts one
// hierarchy. A container is one directory holding every controller's files:
//
//	/sys/fs/cgroup/skiff/web/memory.max        268435456
//	/sys/fs/cgroup/skiff/web/memory.swap.max   0          (swap alone)
//	/sys/fs/cgroup/skiff/web/cpu.max           50000 100000
//	/sys/fs/cgroup/skiff/web/cpu.weight        59
//	/sys/fs/cgroup/skiff/web/cpuset.cpus       0-1
//	/sys/fs/cgroup/skiff/web/pids.max          100
//	/sys/fs/cgroup/skiff/web/cgroup.freeze     0
//	/sys/fs/cgroup/skiff/cgroup.subtree_control  +cpu +memory +pids ...
//
// Differences that matter to a runtime, all handled here:
//
//   - Controllers must be switched on for children in each parent's
//     cgroup.subtree_control, and a non-root cgroup with processes cannot
//     do that (the no-internal-process rule): processes live in leaves.
//   - OCI memory.swap is memory+swap. v1's memory.memsw.limit_in_bytes
//     means the same; v2's memory.swap.max is swap alone, so skiff writes
//     swap-limit.
//   - cpu.shares [2, 262144] becomes cpu.weight [1, 10000]
//     (SharesToWeight); quota and period become one cpu.max line.
//   - v2 can start a child directly inside the cgroup (clone3 with
//     CLONE_INTO_CGROUP: Go's SysProcAttr.UseCgroupFD), so not one
//     instruction runs outside it. v1 moves the child in afterwards,
//     while it waits on its sync pipe.
//   - Device access rules (linux.resources.devices) are lines written to
//     devices.deny and devices.allow on v1. v2 has no devices controller:
//     skiff compiles the rules into a small eBPF program
//     (BPF_PROG_TYPE_CGROUP_DEVICE, devices.go) and attaches it to the
//     cgroup directory; the kernel runs it on every open and mknod of a
//     device node, and a "deny" makes the call fail with EPERM.
//   - Freezing is freezer.state FROZEN (v1) or cgroup.freeze 1 (v2);
//     killing everything is one write to cgroup.kill on v2 (Linux 5.14+)
//     and a freeze-kill-thaw loop otherwise.
//
// # Compute, then apply
//
// Plan(resources, host) is a pure function: it returns the list of
// (controller, file, value) writes, or errors naming each OCI field the
// host cannot apply and what it supports. Create plans first, so invalid
// input changes nothing; if a write still fails, everything it made is
// removed.
//
// # Using it from the runtime
//
//	m, err := cgroups.New(spec.Linux.CgroupsPath, cgroups.Options{ID: id, Parent: parent, Log: log})
//	err = m.Create(spec.Linux.Resources)
//	f, err := m.CgroupFD()         // v2: SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}
//	                               // v1: errors.Is(err, cgroups.ErrNoCgroupFD)
//	cmd.Start(); f.Close()
//	err = m.Apply(cmd.Process.Pid) // v1, before releasing the sync pipe
//	state.CgroupPaths = m.Paths()
//	// later commands:
//	m, err = cgroups.Load(state.CgroupPaths, log)
//	m.Freeze(ctx) / m.Thaw(ctx) / m.Frozen() / m.Signal(ctx, sig) / m.Stats() / m.PIDs()
//	m.KillAll(ctx); m.Destroy(ctx)
//
// cgroupsPath follows runc: "/a/b" is below the hierarchy root, "a/b"
// below the caller's own cgroup (from /proc/self/cgroup; on v1 that differs
// per controller), and "" means <Options.Parent>/<Options.ID> with the
// parent defaulting to /skiff. The systemd "slice:prefix:name" form is
// refused: skiff has no systemd driver.
//
// Tests, and runtimes that are themselves inside a container, call Nest to
// get a parent below their own cgroup (moving themselves to a leaf first
// on v2 when needed).
//
// # Device rules on cgroup v2: an eBPF program
//
// DeviceProgram (devices.go, pure) turns the OCI rule list into BPF
// instructions, one block per rule, checked from the last rule back, as
// "last match wins" reads. Print it to see the program:
//
//	insns, _ := cgroups.DeviceProgram(spec.Linux.Resources.Devices)
//	fmt.Println(insns)
//
// The v2 manager loads it (cilium/ebpf) when Create or Update gets rules,
// and attaches it to the container's cgroup with BPF_F_ALLOW_MULTI
// (devices_linux.go). The attachment keeps it alive after skiff exits;
// removing the cgroup removes it. Update attaches the new program before
// detaching the old one, so there is no moment without rules. On hybrid
// hosts the v1 devices controller is used, as on v1.
//
// Not handled: net_cls/net_prio are refused, and hugetlb on a hybrid host
// is refused when the kernel bound it to the cgroup2 side.
package cgroups
