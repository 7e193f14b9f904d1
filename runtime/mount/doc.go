// Package mount translates mount(8)-style options ("ro", "nosuid",
// "rbind", "rprivate", "size=64m", ...) into the flags and data string of
// mount(2), and applies one mount, including the extra steps the kernel
// needs: a read-only bind mount is a bind followed by a remount, and a
// propagation change (private, shared, slave) is a separate mount call.
//
// Lab 03 ("rootfs, mounts, chroot vs pivot_root") introduces it. Read
// options.go first (pure: the option table and Parse), then mount_linux.go.
package mount
