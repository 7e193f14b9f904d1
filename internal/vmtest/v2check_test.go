package vmtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

const cgroupRoot = "/sys/fs/cgroup"

// needVM skips a test outside the VM of scripts/test-vm.sh: these tests
// describe that machine (pure cgroup v2, root, disposable), not the host.
func needVM(t *testing.T) {
	t.Helper()
	if os.Getenv("SKIFF_VM") != "1" {
		t.Skip("runs only in the pure cgroup v2 VM: make test-vm (SKIFF_VM=1)")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates cgroups")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return strings.TrimSpace(string(b))
}

// hasWord reports whether the space-separated list holds w.
func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if f == w {
			return true
		}
	}
	return false
}

func TestHasWord(t *testing.T) {
	cases := []struct {
		list, w string
		want    bool
	}{
		{"cpuset cpu io memory pids", "memory", true},
		{"cpuset cpu io memory pids", "cpu", true},
		{"cpuset io memory", "cpu", false},
		{"", "pids", false},
	}
	for _, c := range cases {
		if got := hasWord(c.list, c.w); got != c.want {
			t.Errorf("hasWord(%q, %q) = %v, want %v", c.list, c.w, got, c.want)
		}
	}
}

func TestPureCgroupV2(t *testing.T) {
	needVM(t)
	var st unix.Statfs_t
	if err := unix.Statfs(cgroupRoot, &st); err != nil {
		t.Fatalf("statfs %s: %v", cgroupRoot, err)
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		t.Fatalf("%s has file system type %#x, want cgroup2 (%#x)", cgroupRoot, st.Type, unix.CGROUP2_SUPER_MAGIC)
	}
	// On a pure v2 host a process belongs to one hierarchy only: "0::/path".
	self := readFile(t, "/proc/self/cgroup")
	if lines := strings.Split(self, "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "0::/") {
		t.Fatalf("/proc/self/cgroup = %q, want one line 0::/PATH", self)
	}
	for _, file := range []string{"cgroup.controllers", "cgroup.subtree_control"} {
		got := readFile(t, filepath.Join(cgroupRoot, file))
		for _, c := range []string{"cpu", "io", "memory", "pids"} {
			if !hasWord(got, c) {
				t.Errorf("%s/%s = %q, missing %s", cgroupRoot, file, got, c)
			}
		}
	}
}

// TestModulesLoaded checks that every module the init was asked to insmod
// (the list test-vm.sh wrote to /skiff/modules) is live, and that the file
// systems and links the runtime needs are there.
func TestModulesLoaded(t *testing.T) {
	needVM(t)
	for _, path := range strings.Fields(readFile(t, "/skiff/modules")) {
		name := strings.TrimSuffix(filepath.Base(path), ".ko")
		name = strings.ReplaceAll(name, "-", "_")
		if _, err := os.Stat(filepath.Join("/sys/module", name)); err != nil {
			t.Errorf("module %s (%s) not loaded: %v", name, path, err)
		}
	}
	if fs := readFile(t, "/proc/filesystems"); !strings.Contains(fs, "\toverlay\n") && !strings.HasSuffix(fs, "\toverlay") {
		t.Errorf("/proc/filesystems lacks overlay")
	}
}
