package cgroups

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// detect reads the host's cgroup mounts.
func detect() (*layout, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("detect cgroup mode: %w", err)
	}
	defer f.Close()
	mounts, err := parseMountinfo(f)
	if err != nil {
		return nil, fmt.Errorf("detect cgroup mode: read mountinfo: %w", err)
	}
	var v2ctl string
	for _, m := range mounts {
		if m.V2 {
			v2ctl, _ = readFile(m.Point, "cgroup.controllers")
		}
	}
	l, err := detectLayout(mounts, v2ctl)
	if err != nil {
		return nil, fmt.Errorf("detect cgroup mode: %w", err)
	}
	return l, nil
}

// DetectMode reports the host's cgroup mode: Unified, Hybrid or Legacy.
func DetectMode() (Mode, error) {
	l, err := detect()
	if err != nil {
		return "", err
	}
	return l.Mode, nil
}

// SelfPaths returns the calling process's own cgroups as /proc/self/cgroup
// lists them: v1 controller -> path, and the cgroup2 path under "".
// Relative cgroupsPath and parents resolve below these.
func SelfPaths() (map[string]string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("read own cgroup: %w", err)
	}
	defer f.Close()
	return parseProcCgroup(f)
}

// New resolves where a container's cgroup goes, for the host's mode, and
// returns its manager. It touches nothing; Create does.
//
// cgroupsPath follows runc: absolute paths are below the hierarchy root,
// relative ones below the caller's own cgroup, and "" means
// <o.Parent>/<o.ID> (o.Parent defaults to /skiff).
func New(cgroupsPath string, o Options) (Manager, error) {
	t, err := resolveTarget(cgroupsPath, o)
	if err != nil {
		return nil, err
	}
	l, err := detect()
	if err != nil {
		return nil, err
	}
	own, err := SelfPaths()
	if err != nil {
		return nil, err
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if l.Mode.V2() {
		return &v2Manager{dir: dirOf(l.V2, t.in(own[""])), root: l.V2.Point, log: log}, nil
	}
	dirs := map[string]string{}
	for _, c := range v1Controllers {
		if m := l.V1[c]; m != nil {
			dirs[c] = dirOf(m, t.in(own[c]))
		}
	}
	return &v1Manager{dirs: dirs, layout: l, mode: l.Mode, log: log}, nil
}

// Load reopens a container's cgroup from the Paths() a Manager gave
// earlier (saved in the container's state). ErrNotExist if none of the
// directories is there any more.
func Load(paths map[string]string, log *slog.Logger) (Manager, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	found := false
	for c, p := range paths {
		if !filepath.IsAbs(p) || !strings.HasPrefix(p, "/sys/fs/cgroup") && c != "" {
			return nil, fmt.Errorf("load cgroup %s=%q: %w: want a directory under /sys/fs/cgroup", c, p, ErrInvalidPath)
		}
		found = found || exists(p)
	}
	if len(paths) == 0 || !found {
		return nil, fmt.Errorf("load cgroup %v: %w", paths, ErrNotExist)
	}
	if dir, ok := paths[""]; ok && len(paths) == 1 {
		return &v2Manager{dir: dir, root: mountRoot(dir), log: log}, nil
	}
	l, err := detect()
	if err != nil {
		return nil, err
	}
	dirs := map[string]string{}
	for c, p := range paths {
		dirs[c] = p
	}
	return &v1Manager{dirs: dirs, layout: l, mode: l.Mode, log: log}, nil
}

// mountRoot finds the cgroup2 mount point above dir.
func mountRoot(dir string) string {
	for d := dir; d != "/"; d = filepath.Dir(d) {
		if exists(filepath.Join(d, "cgroup.controllers")) && !exists(filepath.Join(filepath.Dir(d), "cgroup.controllers")) {
			return d
		}
	}
	return "/sys/fs/cgroup"
}

// deepestExisting walks up from dir to the first directory that exists.
func deepestExisting(dir string) string {
	d := dir
	for !exists(d) && d != "/" {
		d = filepath.Dir(d)
	}
	return d
}

// hugePageSizes lists the kernel's huge page sizes ("2MB", "1GB").
func hugePageSizes() []string {
	out := []string{}
	ents, _ := os.ReadDir("/sys/kernel/mm/hugepages")
	for _, e := range ents {
		if s, ok := hugePageDirName(e.Name()); ok {
			out = append(out, s)
		}
	}
	return out
}

// onlineCPUs is the fallback when no cpuset file says more.
func onlineCPUs() string {
	s, _ := readFile("/sys/devices/system/cpu", "online")
	return s
}

// procCgroups reads /proc/cgroups: controller -> hierarchy id (0 means
// the cgroup2 hierarchy or not mounted).
func procCgroups() map[string]string {
	f, err := os.Open("/proc/cgroups")
	if err != nil {
		return nil
	}
	defer f.Close()
	return parseProcCgroups(f)
}
