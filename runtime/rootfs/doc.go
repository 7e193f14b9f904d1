// Package rootfs builds a container's filesystem view inside its new mount
// namespace, in the order the kernel needs:
//
//  1. make the whole mount tree private (or the config's rootfsPropagation),
//     so nothing we mount leaks back to the host, and nothing the host
//     mounts later appears inside;
//  2. bind-mount the rootfs onto itself, because pivot_root needs a mount point;
//  3. perform the config's mounts (proc, a tmpfs /dev, devpts, mqueue, sysfs,
//     cgroup, volumes), every target resolved INSIDE the rootfs even through
//     hostile symlinks (openat2 with RESOLVE_IN_ROOT);
//  4. create the default device nodes and the /dev symlinks;
//  5. pivot_root into it and detach the old root — or, where pivot_root
//     cannot work (the host's / is an initramfs), move the rootfs over / and
//     chroot, which is weaker (a process with CAP_SYS_CHROOT can escape a
//     chroot; it cannot escape a pivot_root);
//  6. mask and make read-only the paths the config lists, and remount the
//     root read-only when asked.
//
// Lab 03 introduces it. Read plan.go first (pure: a config becomes a Plan),
// then prepare_linux.go (steps 1-4), pivot_linux.go (5) and finish_linux.go (6).
package rootfs
