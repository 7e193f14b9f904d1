package cgroups

import (
	"bufio"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Mode is how the host mounts its cgroup hierarchies.
type Mode string

const (
	// Unified: one cgroup2 hierarchy at /sys/fs/cgroup holds every
	// controller (pure cgroup v2: current Debian, Ubuntu, Fedora).
	Unified Mode = "unified"
	// Hybrid: v1 hierarchies per controller under /sys/fs/cgroup/<ctrl>
	// plus a cgroup2 hierarchy at /sys/fs/cgroup/unified that holds few or
	// no controllers (older systemd default). skiff uses the v1 side.
	Hybrid Mode = "hybrid"
	// Legacy: only v1 hierarchies.
	Legacy Mode = "legacy"
)

// V2 reports whether the manager for this mode is the cgroup v2 one.
func (m Mode) V2() bool { return m == Unified }

// v1Controllers are the v1 hierarchies a container joins, in the order
// their directories are created.
var v1Controllers = []string{"cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "hugetlb", "freezer", "devices"}

// v2Controllers are the controllers skiff enables for a container's
// cgroup on cgroup v2 when the parent offers them.
var v2Controllers = []string{"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"}

// mount is one cgroup file system from /proc/self/mountinfo.
type mount struct {
	Point       string   // where it is mounted, e.g. /sys/fs/cgroup/memory
	Root        string   // the cgroup mounted there, "/" unless in a cgroup namespace
	V2          bool     // cgroup2
	Controllers []string // v1 only: the controllers bound to it
}

// layout is what detection found: the mode and where each hierarchy is.
type layout struct {
	Mode    Mode
	V2      *mount            // the cgroup2 mount (Unified, and Hybrid's unified)
	V1      map[string]*mount // v1 controller -> its mount
	V2Bound []string          // hybrid: controllers bound to the cgroup2 side
}

// parseMountinfo returns the cgroup and cgroup2 mounts of a mountinfo file.
func parseMountinfo(r io.Reader) ([]mount, error) {
	var out []mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := indexOf(f, "-")
		if sep < 6 || len(f) < sep+4 {
			continue
		}
		fstype := f[sep+1]
		if fstype != "cgroup" && fstype != "cgroup2" {
			continue
		}
		m := mount{Point: unescapeOctal(f[4]), Root: unescapeOctal(f[3]), V2: fstype == "cgroup2"}
		if !m.V2 {
			m.Controllers = v1OptionControllers(f[sep+3])
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

func indexOf(f []string, s string) int {
	for i, x := range f {
		if x == s {
			return i
		}
	}
	return -1
}

// v1OptionControllers picks controller names out of super options such as
// "rw,cpu,cpuacct"; named hierarchies (name=systemd) are skipped.
func v1OptionControllers(opts string) []string {
	var out []string
	for _, o := range strings.Split(opts, ",") {
		switch {
		case o == "rw" || o == "ro" || strings.Contains(o, "=") || o == "noprefix" ||
			o == "clone_children" || o == "xattr" || o == "cpuset_v2_mode" || o == "favordynmods":
		default:
			out = append(out, o)
		}
	}
	return out
}

// unescapeOctal undoes mountinfo's \040-style escaping.
func unescapeOctal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// detectLayout decides the mode from the cgroup mounts. v2Controllers is
// the cgroup.controllers content of the cgroup2 mount ("" if none).
func detectLayout(mounts []mount, v2Controllers string) (*layout, error) {
	l := &layout{V1: map[string]*mount{}}
	for i := range mounts {
		m := &mounts[i]
		if m.V2 {
			if l.V2 == nil || m.Point == "/sys/fs/cgroup" {
				l.V2 = m
			}
			continue
		}
		for _, c := range m.Controllers {
			if _, dup := l.V1[c]; !dup {
				l.V1[c] = m
			}
		}
	}
	switch {
	case len(l.V1) == 0 && l.V2 != nil:
		l.Mode = Unified
	case len(l.V1) > 0 && l.V2 != nil:
		l.Mode = Hybrid
		l.V2Bound = strings.Fields(v2Controllers)
	case len(l.V1) > 0:
		l.Mode = Legacy
	default:
		return nil, ErrNoCgroupFS
	}
	return l, nil
}

// v1Names lists the mounted v1 controllers, sorted, for messages.
func (l *layout) v1Names() string {
	var n []string
	for c := range l.V1 {
		n = append(n, c)
	}
	sort.Strings(n)
	return strings.Join(n, " ")
}

// parseProcCgroup reads /proc/PID/cgroup: v1 controller -> path, and the
// cgroup2 path under key "".
func parseProcCgroup(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, sc.Err()
}

// dirOf maps a cgroup path (as /proc/PID/cgroup shows it) to a directory
// in the mount m. A mount whose root is not "/" (inside a cgroup
// namespace or a bind mount) shows only the part below its root.
func dirOf(m *mount, cgPath string) string {
	rel := cgPath
	if m.Root != "/" && m.Root != "" {
		rel = strings.TrimPrefix(cgPath, m.Root)
	}
	return path.Join(m.Point, rel)
}

// parseProcCgroups reads /proc/cgroups: enabled controller -> hierarchy
// id ("0" means not on a v1 hierarchy: on cgroup2 or unmounted).
func parseProcCgroups(r io.Reader) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 4 && !strings.HasPrefix(f[0], "#") && f[3] == "1" {
			out[f[0]] = f[1]
		}
	}
	return out
}
