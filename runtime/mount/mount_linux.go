package mount

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Mount is one mount to perform: what, where, how.
type Mount struct {
	Source string
	Target string // an absolute path as seen by the caller (may be /proc/self/fd/N)
	Type   string
	Name   string // the target as the user knows it, for messages (default Target)
	Options
}

// remountFlags are the flags a bind mount only honours on a remount.
const remountFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
	unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME

// Apply performs m: the mount itself, then Settle on the same target.
func Apply(m Mount) error {
	if err := First(m); err != nil {
		return err
	}
	return Settle(m.Target, m)
}

// First is the mount(2) call itself. A mount entry that only changes
// propagation makes no call here.
func First(m Mount) error {
	propagationOnly := m.Source == "" && m.Type == "" && m.Flags&^unix.MS_REC == 0 && len(m.Propagation) > 0
	if propagationOnly {
		return nil
	}
	if err := unix.Mount(m.Source, m.Target, m.Type, m.Flags, m.Data); err != nil {
		if errors.Is(err, unix.EINVAL) && m.Data != "" {
			// The kernel judges filesystem options: say which were sent.
			return fmt.Errorf("mount %s on %s: %w (the filesystem options given: %q; is one unknown to %s?)", describe(m), m.name(), err, m.Data, m.Type)
		}
		return fmt.Errorf("mount %s on %s: %w", describe(m), m.name(), err)
	}
	return nil
}

// Settle does what the kernel ignores in the first call: per-mount flags
// of a bind mount need a remount, and each propagation change is its own
// call. target must reach the NEW mount: a descriptor opened before the
// mount still points at the directory underneath.
func Settle(target string, m Mount) error {
	if m.Bind() && m.Flags&remountFlags != 0 {
		if err := RemountBind(target, m.Flags&remountFlags); err != nil {
			return fmt.Errorf("%s: %w", m.name(), err)
		}
	}
	for _, p := range m.Propagation {
		if err := unix.Mount("", target, "", p, ""); err != nil {
			return fmt.Errorf("set propagation of %s: %w", m.name(), err)
		}
	}
	return nil
}

// RemountBind changes the per-mount flags of an existing bind mount. Flags
// the kernel locked (nosuid, nodev, ... inherited in a user namespace) are
// kept by adding the current ones.
func RemountBind(target string, flags uintptr) error {
	var st unix.Statfs_t
	if err := unix.Statfs(target, &st); err == nil {
		flags |= statfsFlags(st.Flags)
	}
	if err := unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|flags, ""); err != nil {
		return fmt.Errorf("remount %s: %w", target, err)
	}
	return nil
}

// statfsFlags maps statfs ST_* flags that a remount must keep to MS_* flags.
func statfsFlags(f int64) uintptr {
	var out uintptr
	for st, ms := range map[int64]uintptr{
		unix.ST_NOSUID: unix.MS_NOSUID, unix.ST_NODEV: unix.MS_NODEV, unix.ST_NOEXEC: unix.MS_NOEXEC,
	} {
		if f&st != 0 {
			out |= ms
		}
	}
	return out
}

func describe(m Mount) string {
	if m.Bind() {
		return m.Source + " (bind)"
	}
	if m.Type != "" {
		return m.Type
	}
	return m.Source
}

func (m Mount) name() string {
	if m.Name != "" {
		return m.Name
	}
	return m.Target
}
