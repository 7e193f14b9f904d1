package rootfs

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// copyTree copies the contents of the directory src into the directory
// dst (a descriptor, O_PATH is enough): directories, files, symlinks and
// nodes, with their modes and owners, never following a symlink. A tmpfs
// mounted with "tmpcopyup" is filled this way.
func copyTree(src *os.File, dst int) error {
	entries, err := src.ReadDir(-1)
	if err != nil {
		return fmt.Errorf("read %s: %w", src.Name(), err)
	}
	for _, e := range entries {
		if err := copyEntry(src, dst, e.Name()); err != nil {
			return err
		}
	}
	return nil
}

// copyEntry copies one entry of src, as it is, to dst under the same name.
func copyEntry(src *os.File, dst int, name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(int(src.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("stat %s: %w", name, err)
	}
	perm := st.Mode & 0o7777
	var err error
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		err = copyDir(src, dst, name, perm)
	case unix.S_IFREG:
		err = copyFile(src, dst, name, perm)
	case unix.S_IFLNK:
		err = copyLink(src, dst, name)
	default: // fifo, socket, device node
		err = unix.Mknodat(dst, name, st.Mode, int(st.Rdev))
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", name, err)
	}
	if err := keepOwner(dst, name, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return nil
	}
	// After chown, which clears setuid and setgid; and mkdir and open
	// narrowed the mode by the umask.
	return unix.Fchmodat(dst, name, perm, 0)
}

func copyDir(src *os.File, dst int, name string, perm uint32) error {
	if err := unix.Mkdirat(dst, name, perm); err != nil {
		return err
	}
	fd, err := unix.Openat(int(src.Fd()), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	sub := os.NewFile(uintptr(fd), name)
	defer sub.Close()
	into, err := unix.Openat(dst, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(into)
	return copyTree(sub, into)
}

func copyFile(src *os.File, dst int, name string, perm uint32) error {
	in, err := unix.Openat(int(src.Fd()), name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	r := os.NewFile(uintptr(in), name)
	defer r.Close()
	out, err := unix.Openat(dst, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
	if err != nil {
		return err
	}
	w := os.NewFile(uintptr(out), name)
	_, err = io.Copy(w, r)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

func copyLink(src *os.File, dst int, name string) error {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(int(src.Fd()), name, buf)
	if err != nil {
		return err
	}
	return unix.Symlinkat(string(buf[:n]), dst, name)
}

// keepOwner gives the copy the original's owner. In a user namespace an
// owner with no mapping cannot be set (EINVAL): the copy keeps ours.
func keepOwner(dst int, name string, st *unix.Stat_t) error {
	err := unix.Fchownat(dst, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW)
	if err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("chown %s: %w", name, err)
	}
	return nil
}
