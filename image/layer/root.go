package layer

import (
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// resolveFlags confine a lookup to the tree below the directory fd: ".."
// stops at it, absolute symlinks are taken relative to it.
const resolveFlags = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// root is the directory a layer is unpacked into, held open by fd.
type root struct {
	fd   int
	path string
	// last caches the most recently used parent directory. Every entry
	// asks for its parent first, so removals (always below that parent)
	// never remove the cached directory itself.
	lastRel string
	lastFd  int
}

func openRoot(dir string) (*root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return &root{fd: fd, path: dir, lastFd: -1}, nil
}

func (r *root) close() {
	r.forget()
	unix.Close(r.fd)
}

func (r *root) forget() {
	if r.lastFd >= 0 {
		unix.Close(r.lastFd)
	}
	r.lastFd, r.lastRel = -1, ""
}

// cleanName maps a tar entry name to a path relative to the root: "" for
// the root itself. Leading "/" and "../" are dropped lexically, as Docker
// does; symlinks are handled by resolution in the kernel.
func cleanName(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// split returns the parent (relative, "" for root) and last element.
func split(rel string) (string, string) {
	dir, base := path.Split(rel)
	return strings.TrimSuffix(dir, "/"), base
}

// openat2 opens rel below the root as an O_PATH directory handle.
func (r *root) openat2(rel string) (int, error) {
	if rel == "" {
		return unix.Dup(r.fd)
	}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: resolveFlags}
	for {
		fd, err := unix.Openat2(r.fd, rel, &how)
		if err != unix.EINTR && err != unix.EAGAIN {
			return fd, err
		}
	}
}

// dir returns a handle on directory rel, creating missing directories
// (0755) when create is set. The handle belongs to the root's cache: do not
// close it.
func (r *root) dir(rel string, create bool) (int, error) {
	if r.lastFd >= 0 && r.lastRel == rel {
		return r.lastFd, nil
	}
	fd, err := r.openat2(rel)
	if err == unix.ENOENT && create {
		fd, err = r.mkdirAll(rel)
	}
	if err != nil {
		return -1, fmt.Errorf("directory /%s: %w", rel, err)
	}
	r.forget()
	r.lastRel, r.lastFd = rel, fd
	return fd, nil
}

// mkdirAll creates each missing component of rel, each resolved inside
// the root, and returns a handle on the last.
func (r *root) mkdirAll(rel string) (int, error) {
	parts := strings.Split(rel, "/")
	for i := range parts {
		parentFd, err := r.openat2(strings.Join(parts[:i], "/"))
		if err != nil {
			return -1, err
		}
		err = unix.Mkdirat(parentFd, parts[i], 0o755)
		unix.Close(parentFd)
		if err != nil && err != unix.EEXIST {
			return -1, err
		}
	}
	return r.openat2(rel)
}

// procPath names base inside an open directory through /proc, for the
// calls that have no *at form with AT_SYMLINK_NOFOLLOW (lsetxattr).
func procPath(dirFd int, base string) string {
	return fmt.Sprintf("/proc/self/fd/%d/%s", dirFd, base)
}

// removeAt deletes name in dirFd, recursively for directories, never
// following symlinks.
func removeAt(dirFd int, name string) error {
	err := unix.Unlinkat(dirFd, name, 0)
	if err == nil || err == unix.ENOENT {
		return nil
	}
	if err != unix.EISDIR {
		return err
	}
	if err := removeChildren(dirFd, name, nil); err != nil {
		return err
	}
	return unix.Unlinkat(dirFd, name, unix.AT_REMOVEDIR)
}

// removeChildren empties directory name of dirFd, except the names keep
// says to keep.
func removeChildren(dirFd int, name string, keep func(string) bool) error {
	fd, err := unix.Openat(dirFd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return err
	}
	for _, n := range names {
		if keep != nil && keep(n) {
			continue
		}
		if err := removeAt(fd, n); err != nil {
			return err
		}
	}
	return nil
}

// OpenInRoot opens the file at rel (say "etc/passwd") for reading, resolved
// inside the directory root as if root were "/": symlinks in an image
// cannot point the reader at the host's files.
func OpenInRoot(root, rel string) (*os.File, error) {
	rfd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", root, err)
	}
	defer unix.Close(rfd)
	how := unix.OpenHow{Flags: unix.O_RDONLY | unix.O_CLOEXEC, Resolve: resolveFlags}
	fd, err := unix.Openat2(rfd, cleanName(rel), &how)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path.Join(root, cleanName(rel)), Err: err}
	}
	return os.NewFile(uintptr(fd), path.Join(root, cleanName(rel))), nil
}
