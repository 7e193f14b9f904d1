package rootfs

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/runtime/mount"
)

// mountCgroup gives the container a /sys/fs/cgroup shaped like the host's.
// On a pure cgroup v2 host that is one cgroup2 mount. On a v1 or hybrid
// host it is a tmpfs holding one mount per hierarchy (cpu,cpuacct, memory,
// ..., and the cgroup2 "unified" one), each mounted with the host's options.
// Inside a cgroup namespace each hierarchy shows the container's own cgroup
// as its root.
func mountCgroup(root string, e MountEntry) error {
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		return fmt.Errorf("statfs /sys/fs/cgroup: %w", err)
	}
	flags := e.Mount.Flags &^ (unix.MS_BIND | unix.MS_REC)
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		return mountAt(root, e.Dest, mount.Mount{Source: "cgroup2", Type: "cgroup2", Options: mount.Options{Flags: flags}})
	}
	tmpfs := mount.Mount{Source: "tmpfs", Type: "tmpfs", Options: mount.Options{Flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, Data: "mode=755"}}
	if err := mountAt(root, e.Dest, tmpfs); err != nil {
		return err
	}
	hier, err := cgroupHierarchies()
	if err != nil {
		return err
	}
	for _, h := range hier {
		m := mount.Mount{Source: "cgroup", Type: h.fstype, Options: mount.Options{Flags: flags, Data: h.options}}
		err := mountAt(root, path.Join(e.Dest, h.rel), m)
		if errors.Is(err, unix.EPERM) {
			// In a user namespace the kernel refuses new v1 (and, outside
			// a cgroup namespace of ours, v2) cgroup mounts: show the
			// container's own cgroup of the host's hierarchy, as runc does.
			err = bindOwnCgroup(root, path.Join(e.Dest, h.rel), h, flags)
		}
		if err != nil {
			return err
		}
	}
	if err := copyCgroupLinks(root, e.Dest); err != nil {
		return err
	}
	if flags&unix.MS_RDONLY != 0 {
		return remountAt(root, e.Dest, unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC)
	}
	return nil
}

type hierarchy struct{ rel, fstype, options string }

// bindOwnCgroup bind-mounts our own cgroup of hierarchy h at dest.
func bindOwnCgroup(root, dest string, h hierarchy, flags uintptr) error {
	own, err := ownCgroupOf(h)
	if err != nil {
		return err
	}
	src := path.Join("/sys/fs/cgroup", h.rel, own)
	m := mount.Mount{Source: src, Options: mount.Options{Flags: flags | unix.MS_BIND}}
	return mountAt(root, dest, m)
}

// ownCgroupOf finds this process's cgroup in hierarchy h in
// /proc/self/cgroup: the line of the v2 hierarchy (0::), or the one whose
// controllers are all among h's mount options.
func ownCgroupOf(h hierarchy) (string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	opts := strings.Split(h.options, ",")
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		if h.fstype == "cgroup2" && f[0] == "0" {
			return f[2], nil
		}
		if h.fstype == "cgroup" && f[1] != "" && containsAll(opts, strings.Split(f[1], ",")) {
			return f[2], nil
		}
	}
	return "", fmt.Errorf("cgroup hierarchy %s: not in /proc/self/cgroup", h.rel)
}

func containsAll(set, items []string) bool {
	for _, it := range items {
		found := false
		for _, s := range set {
			found = found || s == it
		}
		if !found {
			return false
		}
	}
	return true
}

// cgroupHierarchies reads the host's cgroup mounts under /sys/fs/cgroup
// from /proc/self/mountinfo.
func cgroupHierarchies() ([]hierarchy, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	defer f.Close()
	var out []hierarchy
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := indexOf(fields, "-")
		if sep < 0 || len(fields) < sep+4 || len(fields) < 5 {
			continue
		}
		mp, fstype := fields[4], fields[sep+1]
		if (fstype != "cgroup" && fstype != "cgroup2") || !strings.HasPrefix(mp, "/sys/fs/cgroup/") {
			continue
		}
		out = append(out, hierarchy{rel: strings.TrimPrefix(mp, "/sys/fs/cgroup/"), fstype: fstype, options: superOptions(fields[sep+3])})
	}
	return out, sc.Err()
}

// superOptions keeps the filesystem options of a cgroup mount (controllers,
// name=, nsdelegate) and drops the generic ro/rw.
func superOptions(s string) string {
	var keep []string
	for _, o := range strings.Split(s, ",") {
		if o != "rw" && o != "ro" {
			keep = append(keep, o)
		}
	}
	return strings.Join(keep, ",")
}

func indexOf(fields []string, s string) int {
	for i, f := range fields {
		if f == s {
			return i
		}
	}
	return -1
}

// copyCgroupLinks recreates the host's /sys/fs/cgroup symlinks (cpu ->
// cpu,cpuacct) in the container's copy.
func copyCgroupLinks(root, dest string) error {
	entries, err := os.ReadDir("/sys/fs/cgroup")
	if err != nil {
		return fmt.Errorf("read /sys/fs/cgroup: %w", err)
	}
	for _, e := range entries {
		if e.Type()&os.ModeSymlink == 0 {
			continue
		}
		target, err := os.Readlink(filepath.Join("/sys/fs/cgroup", e.Name()))
		if err != nil {
			return fmt.Errorf("readlink /sys/fs/cgroup/%s: %w", e.Name(), err)
		}
		if err := createLink(root, Link{Path: path.Join(dest, e.Name()), Target: target}); err != nil {
			return err
		}
	}
	return nil
}

func mountAt(root, dest string, m mount.Mount) error {
	target, err := OpenTarget(root, dest, KindDir)
	if err != nil {
		return err
	}
	defer target.Close()
	m.Target, m.Name = fdPath(target), dest
	return mountThenSettle(root, dest, KindDir, m)
}

func remountAt(root, dest string, flags uintptr) error {
	target, err := OpenTarget(root, dest, KindDir)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := unix.Mount("", fdPath(target), "", unix.MS_REMOUNT|flags, ""); err != nil {
		return fmt.Errorf("remount %s: %w", dest, err)
	}
	return nil
}
