package rootfs

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Enter makes the prepared rootfs the process's root: pivot_root, or the
// MS_MOVE + chroot fallback when NoPivot is set or / is an initramfs.
func Enter(p Plan) error {
	if p.HostMounts {
		return chrootOnly(p.Rootfs)
	}
	if p.NoPivot {
		return MoveRoot(p.Rootfs)
	}
	err := PivotRoot(p.Rootfs)
	if errors.Is(err, unix.EINVAL) && onInitramfs() {
		return MoveRoot(p.Rootfs)
	}
	return err
}

// PivotRoot swaps the root mount for rootfs and detaches the old one, so no
// path inside the container leads back to the host's filesystem.
//
// pivot_root(".", ".") stacks the old root on top of the new one at the
// same place; after fchdir back to the old root, unmounting "." removes it.
// The old root is made a slave first so the detach does not propagate an
// unmount to the host.
func PivotRoot(rootfs string) error {
	oldroot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldroot)
	newroot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open rootfs %s: %w", rootfs, err)
	}
	defer unix.Close(newroot)
	steps := []struct {
		name string
		do   func() error
	}{
		{"chdir " + rootfs, func() error { return unix.Fchdir(newroot) }},
		{"pivot_root " + rootfs, func() error { return unix.PivotRoot(".", ".") }},
		{"chdir old root", func() error { return unix.Fchdir(oldroot) }},
		{"make old root a slave", func() error { return unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, "") }},
		{"detach old root", func() error { return unix.Unmount(".", unix.MNT_DETACH) }},
		{"chdir /", func() error { return unix.Chdir("/") }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// MoveRoot is the fallback for hosts where pivot_root cannot work (the
// kernel refuses to pivot away from the initramfs "rootfs"): move the rootfs
// mount over / and chroot into it, as switch_root does. It is weaker than
// pivot_root: the old root still exists below, and a process holding
// CAP_SYS_CHROOT can climb out of a chroot.
func MoveRoot(rootfs string) error {
	if err := unix.Chdir(rootfs); err != nil {
		return fmt.Errorf("chdir %s: %w", rootfs, err)
	}
	if err := unix.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move %s to /: %w", rootfs, err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot %s: %w", rootfs, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	return nil
}

// onInitramfs reports whether / is the kernel's initial ramfs/tmpfs.
func onInitramfs() bool {
	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		return false
	}
	return st.Type == unix.RAMFS_MAGIC || st.Type == unix.TMPFS_MAGIC
}

// chrootOnly enters a rootfs without touching any mount: for a container
// that shares the runtime's mount namespace.
func chrootOnly(rootfs string) error {
	if err := unix.Chroot(rootfs); err != nil {
		return fmt.Errorf("chroot %s: %w", rootfs, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	return nil
}
