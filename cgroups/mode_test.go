package cgroups

import (
	"errors"
	"strings"
	"testing"
)

const hybridMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
50 23 0:40 / /proc rw - proc proc rw
`

const unifiedMountinfo = `25 23 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
26 23 0:23 / /sys/fs/fuse\040dir rw - fusectl fusectl rw
`

func layoutOf(t *testing.T, mountinfo, v2ctl string) *layout {
	t.Helper()
	ms, err := parseMountinfo(strings.NewReader(mountinfo))
	if err != nil {
		t.Fatal(err)
	}
	l, err := detectLayout(ms, v2ctl)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestDetectHybrid(t *testing.T) {
	l := layoutOf(t, hybridMountinfo, "hugetlb")
	if l.Mode != Hybrid || l.Mode.V2() {
		t.Fatalf("mode %s", l.Mode)
	}
	if l.V1["cpu"] != l.V1["cpuacct"] || l.V1["cpu"].Point != "/sys/fs/cgroup/cpu,cpuacct" {
		t.Errorf("co-mounted cpu,cpuacct: %+v %+v", l.V1["cpu"], l.V1["cpuacct"])
	}
	if l.V1["cpuset"] == nil || l.V1["systemd"] != nil || l.V1["name=systemd"] != nil || l.V1["clone_children"] != nil {
		t.Errorf("v1 controllers: %s", l.v1Names())
	}
	if len(l.V2Bound) != 1 || l.V2Bound[0] != "hugetlb" || l.V2.Point != "/sys/fs/cgroup/unified" {
		t.Errorf("v2 side: %+v bound %v", l.V2, l.V2Bound)
	}
}

func TestDetectUnifiedAndLegacy(t *testing.T) {
	if l := layoutOf(t, unifiedMountinfo, "cpu memory"); l.Mode != Unified || !l.Mode.V2() || l.V2.Point != "/sys/fs/cgroup" {
		t.Errorf("unified: %+v", l)
	}
	legacy := strings.ReplaceAll(hybridMountinfo, "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n", "")
	if l := layoutOf(t, legacy, ""); l.Mode != Legacy {
		t.Errorf("legacy: %s", l.Mode)
	}
	ms, _ := parseMountinfo(strings.NewReader("50 23 0:40 / /proc rw - proc proc rw\n"))
	if _, err := detectLayout(ms, ""); !errors.Is(err, ErrNoCgroupFS) {
		t.Errorf("no cgroup fs: %v", err)
	}
}

func TestUnescapeOctal(t *testing.T) {
	if got := unescapeOctal(`/a\040b\134c\0`); got != `/a b\c\0` {
		t.Errorf("got %q", got)
	}
}

func TestParseProcCgroup(t *testing.T) {
	in := "9:name=systemd:/\n4:memory:/process_api/aa\n2:cpu,cpuacct:/x\n0::/user.slice\n"
	p, err := parseProcCgroup(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if p["memory"] != "/process_api/aa" || p["cpu"] != "/x" || p["cpuacct"] != "/x" || p[""] != "/user.slice" {
		t.Errorf("parsed %v", p)
	}
}

func TestDirOf(t *testing.T) {
	m := &mount{Point: "/sys/fs/cgroup/memory", Root: "/"}
	if got := dirOf(m, "/a/b"); got != "/sys/fs/cgroup/memory/a/b" {
		t.Error(got)
	}
	ns := &mount{Point: "/sys/fs/cgroup", Root: "/kubepods/pod1"}
	if got := dirOf(ns, "/kubepods/pod1/c"); got != "/sys/fs/cgroup/c" {
		t.Error(got)
	}
}

func TestParseProcCgroups(t *testing.T) {
	in := "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t1\t1\nhugetlb\t0\t1\t1\nrdma\t0\t1\t0\n"
	got := parseProcCgroups(strings.NewReader(in))
	if got["cpuset"] != "3" || got["hugetlb"] != "0" || len(got) != 2 {
		t.Errorf("parsed %v", got)
	}
}
