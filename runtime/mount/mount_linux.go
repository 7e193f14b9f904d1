package mount

import (
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

// Apply performs m: the mount itself, a remount when a bind mount asks for
// per-mount flags (the kernel ignores them on the first call), then each
// propagation change.
func Apply(m Mount) error {
	propagationOnly := m.Source == "" && m.Type == "" && m.Flags&^unix.MS_REC == 0 && len(m.Propagation) > 0
	if !propagationOnly {
		if err := unix.Mount(m.Source, m.Target, m.Type, m.Flags, m.Data); err != nil {
			return fmt.Errorf("mount %s on %s: %w", describe(m), m.name(), err)
		}
	}
	if m.Bind() && m.Flags&remountFlags != 0 {
		if err := RemountBind(m.Target, m.Flags&remountFlags); err != nil {
			return fmt.Errorf("%s: %w", m.name(), err)
		}
	}
	for _, p := range m.Propagation {
		if err := unix.Mount("", m.Target, "", p, ""); err != nil {
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
