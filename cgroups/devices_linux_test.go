package cgroups

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// probeDevices is a busybox script that reads /dev/null and /dev/zero and
// prints "<path> ok" or "<path> <error>" for each.
const probeDevices = `for f in /dev/null /dev/zero; do
	if e=$(head -c1 $f 2>&1); then echo "$f ok"; else echo "$f $e"; fi
done`

// denied is what busybox head prints when the device program says no.
const denied = "Operation not permitted"

// onlyNull and onlyZero are rule lists as a runtime writes them: deny
// everything, then allow one device (/dev/null is c 1:3, /dev/zero c 1:5).
var (
	onlyNull = []specs.LinuxDeviceCgroup{denyAll, rule(true, "c", 1, 3, "rwm")}
	onlyZero = []specs.LinuxDeviceCgroup{denyAll, rule(true, "c", 1, 5, "r")}
)

// cgroup2Dir makes an empty cgroup2 directory below this process's own
// cgroup2 cgroup (on a hybrid host, in the controller-less hierarchy at
// /sys/fs/cgroup/unified) and removes it when the test ends.
func cgroup2Dir(t testing.TB) string {
	t.Helper()
	needRoot(t)
	l, err := detect()
	if err != nil {
		t.Fatal(err)
	}
	if l.V2 == nil {
		t.Skip("needs a cgroup2 mount (unified or hybrid host)")
	}
	own, err := SelfPaths()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(dirOf(l.V2, own[""]), fmt.Sprintf("skiff-devices-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Rmdir(dir); err != nil {
			t.Errorf("remove test cgroup: %v", err)
		}
	})
	return dir
}

// probeIn starts busybox cloned straight into the cgroup2 directory dir
// (clone3 CLONE_INTO_CGROUP), runs probeDevices and returns its lines.
// The child has exited when it returns.
func probeIn(t *testing.T, dir string) map[string]string {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(busybox(t), "sh", "-c", probeDevices)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("probe in %s: %v", dir, err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dev, result, _ := strings.Cut(line, " ")
		got[dev] = result
	}
	return got
}

// wantAccess checks one probeIn result: "ok", or denied with EPERM.
func wantAccess(t *testing.T, got map[string]string, dev string, allowed bool) {
	t.Helper()
	switch r := got[dev]; {
	case allowed && r != "ok":
		t.Errorf("%s: %q, want it readable", dev, r)
	case !allowed && !strings.Contains(r, denied):
		t.Errorf("%s: %q, want %q", dev, r, denied)
	}
}

// attachedCount counts skiff's device programs on dir.
func attachedCount(t *testing.T, dir string) int {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, err := devicePrograms(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	closePrograms(ps)
	return len(ps)
}

// The program alone, on a bare cgroup2 directory: this runs on the hybrid
// development host too, whose cgroup2 hierarchy has no controllers (BPF
// device programs need none).
func TestDeviceProgramEnforcedAndReplaced(t *testing.T) {
	dir := cgroup2Dir(t)
	busybox(t)
	start := time.Now()
	if err := setDevices(dir, onlyNull, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	t.Logf("load+attach of a %d-rule program: %v", len(onlyNull), time.Since(start))
	got := probeIn(t, dir)
	wantAccess(t, got, "/dev/null", true)
	wantAccess(t, got, "/dev/zero", false)

	start = time.Now()
	if err := setDevices(dir, onlyZero, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	t.Logf("load+attach+detach of the replacement: %v", time.Since(start))
	got = probeIn(t, dir)
	wantAccess(t, got, "/dev/null", false)
	wantAccess(t, got, "/dev/zero", true)
	if n := attachedCount(t, dir); n != 1 {
		t.Errorf("%d skiff device programs attached after a replacement, want 1", n)
	}
}

// The v2 manager: Create attaches the program, Update replaces it, an
// invalid Update changes nothing. Runs on pure cgroup v2 (the VM lane).
func TestV2ManagerEnforcesDeviceRules(t *testing.T) {
	needRoot(t)
	if mode, _ := DetectMode(); !mode.V2() {
		t.Skipf("needs pure cgroup v2 (this host is %s: device rules go to the v1 devices controller)", mode)
	}
	m := newManager(t, &specs.LinuxResources{Devices: onlyNull})
	dir := m.Paths()[""]
	got := probeIn(t, dir)
	wantAccess(t, got, "/dev/null", true)
	wantAccess(t, got, "/dev/zero", false)

	l, err := Load(m.Paths(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Update(&specs.LinuxResources{Devices: onlyZero}); err != nil {
		t.Fatal(err)
	}
	got = probeIn(t, dir)
	wantAccess(t, got, "/dev/null", false)
	wantAccess(t, got, "/dev/zero", true)

	err = l.Update(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{denyAll, {Allow: true, Type: "c", Access: "rx"}}})
	if !errors.Is(err, ErrInvalidResources) || !strings.Contains(err.Error(), "resources.devices[1]") {
		t.Fatalf("Update with access rx: %v, want ErrInvalidResources naming resources.devices[1]", err)
	}
	wantAccess(t, probeIn(t, dir), "/dev/zero", true)
	if n := attachedCount(t, dir); n != 1 {
		t.Errorf("%d skiff device programs attached, want 1", n)
	}
}

// Without device rules the v2 manager attaches nothing.
func TestV2ManagerWithoutDeviceRulesAttachesNothing(t *testing.T) {
	needRoot(t)
	if mode, _ := DetectMode(); !mode.V2() {
		t.Skipf("needs pure cgroup v2 (this host is %s)", mode)
	}
	m := newManager(t, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(10)}})
	if n := attachedCount(t, m.Paths()[""]); n != 0 {
		t.Errorf("%d device programs attached without rules", n)
	}
	got := probeIn(t, m.Paths()[""])
	wantAccess(t, got, "/dev/zero", true)
}

// attachedIDs lists the ids of skiff's device programs on dir.
func attachedIDs(t *testing.T, dir string) []ebpf.ProgramID {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, err := devicePrograms(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer closePrograms(ps)
	var ids []ebpf.ProgramID
	for _, p := range ps {
		info, err := p.Info()
		if err != nil {
			t.Fatal(err)
		}
		id, _ := info.ID()
		ids = append(ids, id)
	}
	return ids
}

// programGone reports whether the kernel has freed program id.
func programGone(id ebpf.ProgramID) bool {
	p, err := ebpf.NewProgramFromID(id)
	if err == nil {
		p.Close()
	}
	return errors.Is(err, os.ErrNotExist)
}

// Nothing outlives its use: a replaced program is freed once detached,
// and the current one once its cgroup is removed.
func TestDeviceProgramsAreFreed(t *testing.T) {
	dir := cgroup2Dir(t)
	log := slog.New(slog.DiscardHandler)
	if err := setDevices(dir, onlyNull, log); err != nil {
		t.Fatal(err)
	}
	first := attachedIDs(t, dir)
	if err := setDevices(dir, onlyZero, log); err != nil {
		t.Fatal(err)
	}
	second := attachedIDs(t, dir)
	if len(first) != 1 || len(second) != 1 || first[0] == second[0] {
		t.Fatalf("programs before and after a replacement: %v, %v; want one each, different", first, second)
	}
	waitFor(t, "the replaced program to be freed", func() bool { return programGone(first[0]) })
	if err := unix.Rmdir(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil { // for cgroup2Dir's cleanup
		t.Fatal(err)
	}
	waitFor(t, "the program of the removed cgroup to be freed", func() bool { return programGone(second[0]) })
}
