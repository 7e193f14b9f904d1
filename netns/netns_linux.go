package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultDir is where named namespaces live unless a root is given.
const DefaultDir = "/run/skiff/netns"

// Path returns the file of the named namespace name under dir.
func Path(dir, name string) string { return filepath.Join(dir, name) }

func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("name %q: %w: use letters, digits, '-', '_' or '.'", name, ErrBadName)
	}
	return nil
}

// Create makes a new network namespace and pins it by bind-mounting it onto
// dir/name (what `ip netns add` does under /run/netns). It returns the path.
func Create(dir, name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create netns dir %s: %w", dir, err)
	}
	path := Path(dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("create netns %s: %w", path, ErrExists)
		}
		return "", fmt.Errorf("create netns %s: %w", path, err)
	}
	f.Close()
	if err := onThread(func() error { return unshareAndPin(path) }); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("create netns %s: %w", path, err)
	}
	return path, nil
}

// unshareAndPin moves the calling (locked) thread into a fresh network
// namespace and bind-mounts that namespace onto path. onThread switches the
// thread back afterwards.
func unshareAndPin(path string) error {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("unshare: %w", err)
	}
	if err := unix.Mount(threadNetns(), path, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind mount: %w", err)
	}
	return nil
}

// threadNetns is the namespace file of the calling thread. /proc/self/ns/net
// would be the main thread's, which is not necessarily ours.
func threadNetns() string { return fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()) }

// Remove unmounts and deletes a named namespace. The namespace itself goes
// away once no process or descriptor uses it any more. Removing a name that
// does not exist is not an error.
func Remove(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount netns %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove netns %s: %w", path, err)
	}
	return nil
}

// List returns the names of the namespaces pinned under dir.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list netns %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// Do runs fn with its OS thread inside the network namespace at path (a
// named namespace or /proc/PID/ns/net). Processes fn starts with os/exec
// inherit that namespace; goroutines fn starts do not. After fn the thread
// switches back; if that fails the thread is not unlocked, so it dies.
func Do(path string, fn func() error) error {
	target, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", path, err)
	}
	defer target.Close()
	err = onThread(func() error {
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("setns: %w", err)
		}
		return fn()
	})
	if err != nil {
		return fmt.Errorf("in netns %s: %w", path, err)
	}
	return nil
}

// onThread runs fn on a new goroutine locked to its OS thread. fn may move
// the thread to another network namespace; afterwards the thread is put
// back. If that fails the thread stays locked, so Go ends it together with
// the goroutine instead of reusing a thread in the wrong namespace.
func onThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open(threadNetns())
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open current netns: %w", err)
			return
		}
		defer orig.Close()
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("setns back: %w", err))
			return // thread stays locked and dies
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// ID identifies a namespace: the device and inode of its nsfs file. Two
// paths name the same namespace when their IDs are equal; a /proc/PID/ns/net
// path whose PID was reused by another process has a different ID.
type ID struct{ Dev, Ino uint64 }

// Stat returns the ID of the namespace at path.
func Stat(path string) (ID, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return ID{}, fmt.Errorf("stat netns %s: %w", path, err)
	}
	return ID{Dev: st.Dev, Ino: st.Ino}, nil
}
