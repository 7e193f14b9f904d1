// Package compat proves that skiff's runc-compatible entry point,
// skiff-runc, is a drop-in OCI runtime (lab 07, "the OCI bundle and
// lifecycle"): tools that call runc through a configurable binary path
// drive it unchanged.
//
//   - podman --runtime /path/to/skiff-runc: podman and conmon call create
//     (with --console-socket for -t), start, exec (--process,
//     --console-socket, --detach), kill, pause, resume, delete --force and
//     state, in runc's syntax, and map its messages to exit statuses (126,
//     127). Covered: run to completion, a terminal (typed into), volumes,
//     --read-only and --tmpfs (runc's tmpcopyup), a detached container with
//     exec, pause, stop and start again, kill, rm, memory and pids limits,
//     a pod whose container joins the infra container's namespaces, and
//     create errors.
//   - containerd's runc shim, containerd-shim-runc-v2, through
//     `ctr run --runc-binary /path/to/skiff-runc`: the shim calls the same
//     commands with --log FILE --log-format json and shows the last
//     "level":"error" entry of that log when one fails. Covered: run to
//     completion, a terminal, a detached task with exec, pause, resume,
//     kill, delete and a memory limit, a container with no cgroupsPath,
//     and a create error.
//
// Each scenario runs with /usr/sbin/runc first (the peer, when installed)
// and then with skiff-runc, so a failure says whether the driver or skiff is
// at fault. The package has no code of its own: the tests are the proof.
// Everything is isolated in temporary directories (podman's storage,
// configuration and network configuration; containerd's root, state,
// sockets and FIFOs), containers run with no network, their cgroups nest
// below the test's own memory cgroup, and the tests fail if anything is
// left: processes, mounts, cgroups, files under the drivers' host paths.
// The benchmarks time `podman run --rm` and `ctr run --rm` with skiff-runc
// against runc, alternating, and report the median ratio.
//
// Read podman_linux_test.go first (TestPodman), then
// containerd_linux_test.go (TestContainerd); compat_linux_test.go holds
// what both share: running commands (and on a pty), cgroup checks, and
// the checks that nothing is left on the host.
package compat
