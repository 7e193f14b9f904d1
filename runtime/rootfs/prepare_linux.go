package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"

	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/runtime/mount"
)

// Prepare performs steps 1-4 of the package doc, in the container's new
// mount namespace, before pivot_root. beforeCgroup is called before every
// step that the container's cgroup must judge or show, and must do its
// work the first time only: a cgroup mount (its view depends on the cgroup
// namespace, made in the cgroup) or a device node (mknod is checked by the
// devices controller). The runtime moves the init into its cgroup
// meanwhile; the mounts before the first such step overlap the move.
func Prepare(p Plan, beforeCgroup func() error) error {
	defer closeSourceFds(p.Mounts)
	if p.HostMounts {
		return nil
	}
	if err := unix.Mount("", "/", "", pivotPropagation(p.Propagation), ""); err != nil {
		return fmt.Errorf("set propagation of /: %w", err)
	}
	if err := unix.Mount(p.Rootfs, p.Rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s: %w", p.Rootfs, err)
	}
	for _, m := range p.Mounts {
		if m.Cgroup {
			if err := beforeCgroup(); err != nil {
				return err
			}
		}
		if err := mountEntry(p.Rootfs, m); err != nil {
			return err
		}
	}
	if err := beforeCgroup(); err != nil {
		return err
	}
	for _, d := range p.Devices {
		if err := createDevice(p.Rootfs, d); err != nil {
			return err
		}
	}
	for _, l := range p.Links {
		if err := createLink(p.Rootfs, l); err != nil {
			return err
		}
	}
	return nil
}

// bindSourceIsDir tells a directory from a file, through the runtime's
// descriptor when there is one.
func bindSourceIsDir(e MountEntry) (bool, error) {
	if e.SourceFd > 0 {
		var st unix.Stat_t
		if err := unix.Fstat(e.SourceFd, &st); err != nil {
			return false, err
		}
		return st.Mode&unix.S_IFMT == unix.S_IFDIR, nil
	}
	st, err := os.Stat(e.Mount.Source)
	if err != nil {
		return false, err
	}
	return st.IsDir(), nil
}

// closeSourceFds closes the bind sources' descriptors: the user's program
// must not inherit them.
func closeSourceFds(mounts []MountEntry) {
	for _, m := range mounts {
		if m.SourceFd > 0 {
			unix.Close(m.SourceFd)
		}
	}
}

func mountEntry(root string, e MountEntry) error {
	if e.Cgroup {
		return mountCgroup(root, e)
	}
	kind := KindDir
	if e.Mount.Bind() {
		dir, err := bindSourceIsDir(e)
		if err != nil {
			return fmt.Errorf("bind source %s: %w", e.Mount.Source, err)
		}
		if !dir {
			kind = KindFile
		}
	}
	target, err := OpenTarget(root, e.Dest, kind)
	if err != nil {
		return err
	}
	defer target.Close()
	m := e.Mount
	m.Target, m.Name = fdPath(target), e.Dest
	if e.SourceFd > 0 {
		return moveThenSettle(root, e, kind, target, m)
	}
	if m.CopyUp {
		return mountCopyUp(root, e.Dest, target, m)
	}
	return mountThenSettle(root, e.Dest, kind, m)
}

// mountCopyUp mounts a "tmpcopyup" tmpfs: it keeps the directory the
// tmpfs will cover open, mounts, and copies that directory's contents into
// the new tmpfs.
func mountCopyUp(root, dest string, target *os.File, m mount.Mount) error {
	under, err := os.OpenFile(fdPath(target), os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return fmt.Errorf("tmpcopyup %s: %w", dest, err)
	}
	defer under.Close()
	if err := mountThenSettle(root, dest, KindDir, m); err != nil {
		return err
	}
	fresh, err := OpenTarget(root, dest, KindDir)
	if err != nil {
		return err
	}
	defer fresh.Close()
	if err := copyTree(under, int(fresh.Fd())); err != nil {
		return fmt.Errorf("tmpcopyup %s: %w", dest, err)
	}
	return nil
}

// createDevice makes a node with mknod, or, where mknod is not allowed (a
// user namespace), bind-mounts the host's node of the same path.
func createDevice(root string, d Device) error {
	dir, err := OpenTarget(root, path.Dir(d.Path), KindDir)
	if err != nil {
		return err
	}
	defer dir.Close()
	name := path.Base(d.Path)
	mode := d.Type | uint32(d.Mode.Perm())
	err = unix.Mknodat(int(dir.Fd()), name, mode, int(unix.Mkdev(uint32(d.Major), uint32(d.Minor))))
	if errors.Is(err, unix.EEXIST) {
		return nil
	}
	if errors.Is(err, unix.EPERM) && d.Type != unix.S_IFIFO {
		return bindDevice(root, d)
	}
	if err != nil {
		return fmt.Errorf("mknod %s: %w", d.Path, err)
	}
	if err := unix.Fchmodat(int(dir.Fd()), name, uint32(d.Mode.Perm()), 0); err != nil {
		return fmt.Errorf("chmod %s: %w", d.Path, err)
	}
	if err := unix.Fchownat(int(dir.Fd()), name, int(d.UID), int(d.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown %s: %w", d.Path, err)
	}
	return nil
}

func bindDevice(root string, d Device) error {
	target, err := OpenTarget(root, d.Path, KindFile)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := unix.Mount(d.Path, fdPath(target), "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind device %s: %w", d.Path, err)
	}
	return nil
}

func createLink(root string, l Link) error {
	dir, err := OpenTarget(root, path.Dir(l.Path), KindDir)
	if err != nil {
		return err
	}
	defer dir.Close()
	err = unix.Symlinkat(l.Target, int(dir.Fd()), path.Base(l.Path))
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("symlink %s -> %s: %w", l.Path, l.Target, err)
	}
	return nil
}

// moveThenSettle attaches the bind mount the runtime cloned on the host
// (open_tree) at target, then settles its flags and propagation.
func moveThenSettle(root string, e MountEntry, kind Kind, target *os.File, m mount.Mount) error {
	err := unix.MoveMount(e.SourceFd, "", int(target.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("move mount of %s on %s: %w", e.Mount.Source, e.Dest, err)
	}
	again, err := OpenTarget(root, e.Dest, kind)
	if err != nil {
		return err
	}
	defer again.Close()
	return mount.Settle(fdPath(again), m)
}

// mountThenSettle mounts m on its target (an O_PATH descriptor's magic
// link), then reopens the destination, which now resolves to the new
// mount, for the remount and propagation steps.
func mountThenSettle(root, dest string, kind Kind, m mount.Mount) error {
	if err := mount.First(m); err != nil {
		return err
	}
	if !m.Bind() && len(m.Propagation) == 0 {
		return nil
	}
	target, err := OpenTarget(root, dest, kind)
	if err != nil {
		return err
	}
	defer target.Close()
	return mount.Settle(fdPath(target), m)
}

// pivotPropagation is the propagation / gets before pivot_root:
// pivot_root refuses a shared new root or parent, so a "shared" request
// starts as a slave and becomes shared after the pivot (Finish).
func pivotPropagation(want uintptr) uintptr {
	if want&unix.MS_SHARED != 0 {
		return unix.MS_SLAVE | (want & unix.MS_REC)
	}
	return want
}
