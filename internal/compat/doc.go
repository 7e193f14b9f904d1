// Package compat proves that skiff's runc-compatible entry point,
// skiff-runc, is a drop-in OCI runtime (lab 07, "the OCI bundle and
// lifecycle"): tools that call runc through a configurable binary path
// drive it unchanged.
//
//   - podman --runtime /path/to/skiff-runc (podman -> conmon -> create,
//     start, exec, kill, delete with runc's flags and exit statuses);
//   - containerd's runc shim, containerd-shim-runc-v2, through
//     `ctr run --runc-binary /path/to/skiff-runc` (containerd -> shim ->
//     create --console-socket, start, exec --process, kill, delete, and the
//     shim's JSON --log with --log-format json).
//
// Each scenario runs with /usr/sbin/runc first (the peer, when installed)
// and then with skiff-runc, so a failure says whether the driver or skiff is
// at fault. The package has no code of its own: the tests are the proof.
// Everything is isolated in temporary directories (podman's storage and
// configuration, containerd's root, state, sockets and FIFOs), containers
// run with no network, and their cgroups nest below the test's own memory
// cgroup. The benchmarks time `podman run --rm` and `ctr run --rm` with
// skiff-runc against runc, alternating, and report the median ratio.
//
// Read podman_linux_test.go first (TestPodman), then
// containerd_linux_test.go (TestContainerd); compat_linux_test.go holds
// what both share: running commands (and on a pty), cgroup checks, and
// the checks that nothing is left on the host.
package compat
