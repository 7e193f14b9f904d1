package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/runtime/mount"
)

// Finish runs after the root is entered: masked paths get /dev/null (files)
// or an empty read-only tmpfs (directories) on top; read-only paths are
// bind-mounted onto themselves and remounted read-only; then the root itself
// is remounted read-only if the config asks. Paths that do not exist in this
// container are skipped, as runc does.
func Finish(p Plan) error {
	if p.HostMounts {
		return nil
	}
	if p.Propagation&unix.MS_SHARED != 0 {
		if err := unix.Mount("", "/", "", p.Propagation, ""); err != nil {
			return fmt.Errorf("make / shared: %w", err)
		}
	}
	for _, path := range p.ReadOnly {
		if err := readOnly(path); err != nil {
			return err
		}
	}
	for _, path := range p.Masked {
		if err := mask(path); err != nil {
			return err
		}
	}
	if p.ReadOnlyRoot {
		if err := mount.RemountBind("/", unix.MS_RDONLY); err != nil {
			return fmt.Errorf("make root read-only: %w", err)
		}
	}
	return nil
}

func readOnly(path string) error {
	if err := unix.Mount(path, path, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("bind read-only path %s: %w", path, err)
	}
	if err := mount.RemountBind(path, unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC); err != nil {
		return fmt.Errorf("read-only path: %w", err)
	}
	return nil
}

func mask(path string) error {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("masked path %s: %w", path, err)
	}
	if st.IsDir() {
		err = unix.Mount("tmpfs", path, "tmpfs", unix.MS_RDONLY, "size=0,mode=0555")
	} else {
		err = unix.Mount("/dev/null", path, "", unix.MS_BIND, "")
	}
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("mask %s: %w", path, err)
	}
	return nil
}
