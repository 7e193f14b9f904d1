package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// inRoot is the resolution rule for every path under the rootfs: absolute
// symlinks and ".." stay inside root, and /proc magic links are refused, so
// a symlink planted in an image ("etc -> /host/etc") can never make a mount
// or a device node land on the host.
var inRoot = &unix.OpenHow{
	Flags:   unix.O_PATH | unix.O_CLOEXEC,
	Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
}

// Kind says what to create when a target does not exist.
type Kind int

const (
	KindDir Kind = iota
	KindFile
)

// OpenTarget opens dest (an absolute path inside root) as an O_PATH file,
// creating missing directories, and the last component as kind. The caller
// mounts onto /proc/self/fd/N of the returned file and closes it.
func OpenTarget(root, dest string, kind Kind) (*os.File, error) {
	rootFd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open rootfs %s: %w", root, err)
	}
	defer unix.Close(rootFd)
	parts := strings.Split(strings.Trim(path.Clean(dest), "/"), "/")
	parent := "."
	for i, part := range parts {
		cur := path.Join(parent, part)
		last := i == len(parts)-1
		if err := ensure(rootFd, parent, part, last && kind == KindFile); err != nil {
			return nil, fmt.Errorf("create %s in rootfs: %w", dest, err)
		}
		parent = cur
	}
	fd, err := unix.Openat2(rootFd, parent, inRoot)
	if err != nil {
		return nil, fmt.Errorf("open %s in rootfs: %w", dest, err)
	}
	return os.NewFile(uintptr(fd), path.Join(root, dest)), nil
}

// ensure makes sure parent/name exists (resolved in root), creating a
// directory or an empty file.
func ensure(rootFd int, parent, name string, file bool) error {
	if fd, err := unix.Openat2(rootFd, path.Join(parent, name), inRoot); err == nil {
		unix.Close(fd)
		return nil
	} else if !errors.Is(err, unix.ENOENT) {
		return err
	}
	how := *inRoot
	how.Flags = unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC
	pfd, err := unix.Openat2(rootFd, parent, &how)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if !file {
		err = unix.Mkdirat(pfd, name, 0o755)
	} else {
		var fd int
		fd, err = unix.Openat(pfd, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0o644)
		if err == nil {
			unix.Close(fd)
		}
	}
	if errors.Is(err, unix.EEXIST) {
		return nil // lost a race with ourselves, or a dangling symlink: the final open decides
	}
	return err
}

// fdPath is the magic link through which mount(2) reaches an O_PATH file.
func fdPath(f *os.File) string { return fmt.Sprintf("/proc/self/fd/%d", f.Fd()) }
