// Package vmtest is the self-test of the pure cgroup v2 VM lane
// (scripts/test-vm.sh, `make test-vm`). It has no code of its own, only
// tests that run when SKIFF_VM=1 (set by the VM's init) and skip elsewhere:
// they prove that the VM really is the reference pure cgroup v2 machine the
// other packages' root tests are run on (cgroup2 at /sys/fs/cgroup with the
// memory and pids controllers, memory.max OOM-kills, pids.max refuses forks).
//
// It belongs to no lab; read v2check_test.go first, then limits_test.go.
// scripts/vm/init is the VM side of the lane, scripts/test-vm.sh the host side.
package vmtest
