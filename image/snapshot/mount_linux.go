package snapshot

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

var errNotEmpty = unix.ENOTEMPTY

// mountOverlay mounts an overlay at target with options whose lowerdir
// paths are relative to dir. The kernel resolves them against the calling
// thread's working directory, so the mount runs on a thread of its own
// that has unshared its filesystem attributes (CLONE_FS) and changed
// directory: the rest of the process keeps its working directory. The
// thread is never handed back to the Go scheduler; it exits with the
// goroutine.
func mountOverlay(dir, target, opts string) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // no Unlock: the altered thread dies with us
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("unshare CLONE_FS: %w", err)
			return
		}
		if err := unix.Chdir(dir); err != nil {
			errc <- fmt.Errorf("chdir %s: %w", dir, err)
			return
		}
		if err := unix.Mount("overlay", target, "overlay", 0, opts); err != nil {
			errc <- fmt.Errorf("mount overlay on %s: %w", target, err)
			return
		}
		errc <- nil
	}()
	return <-errc
}

// unmount detaches the rootfs mount; a directory that is not mounted
// is fine.
func unmount(target string) error {
	err := unix.Unmount(target, 0)
	if err == unix.EBUSY {
		err = unix.Unmount(target, unix.MNT_DETACH)
	}
	if err == nil || err == unix.EINVAL || err == unix.ENOENT {
		return nil
	}
	return fmt.Errorf("unmount %s: %w", target, err)
}
