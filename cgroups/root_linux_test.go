package cgroups

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// testParent is where this binary's root tests put their cgroups: below
// the test process's own cgroup (Nest), never beside it.
var testParent string

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) (code int) {
	if os.Geteuid() == 0 {
		p, undo, err := Nest(fmt.Sprintf("skiff-test-%d", os.Getpid()))
		if err != nil {
			fmt.Fprintln(os.Stderr, "cgroups tests:", err)
			return 1
		}
		testParent = p
		defer func() {
			if err := undo(); err != nil {
				fmt.Fprintln(os.Stderr, "cgroups tests: cleanup:", err)
				code = 1
			}
		}()
	}
	return m.Run()
}

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates cgroups")
	}
}

func busybox(t testing.TB) string {
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("needs /bin/busybox (apt-get install busybox-static)")
	return ""
}

// newManager creates a cgroup for the test below testParent and removes
// it (killing what is left) when the test ends.
func newManager(t *testing.T, r *specs.LinuxResources) Manager {
	t.Helper()
	needRoot(t)
	id := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	m, err := New("", Options{ID: id, Parent: testParent})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(r); err != nil {
		if errors.Is(err, ErrControllerMissing) {
			t.Skipf("host cannot run this test: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.KillAll(ctx); err != nil {
			t.Errorf("kill all: %v", err)
		}
		if err := m.Destroy(ctx); err != nil {
			t.Errorf("destroy: %v", err)
		}
		for c, d := range m.Paths() {
			if _, err := os.Stat(d); err == nil {
				t.Errorf("left behind: %s (%s)", d, c)
			}
		}
	})
	return m
}

// child is a busybox shell started inside a cgroup.
type child struct {
	cmd    *exec.Cmd
	out    *bufio.Reader
	waited chan error
}

// start runs script in busybox sh inside m. The shell first waits on
// stdin, as a container init waits on its sync pipe, so that on v1 the
// parent can Apply(pid) before anything runs; on v2 the child is cloned
// straight into the cgroup (CgroupFD).
func start(t *testing.T, m Manager, script string) *child {
	t.Helper()
	cmd := exec.Command(busybox(t), "sh", "-c", "read x; "+script)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	f, err := m.CgroupFD()
	switch {
	case err == nil:
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}
		defer f.Close()
	case !errors.Is(err, ErrNoCgroupFD):
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, out: bufio.NewReader(stdout), waited: make(chan error, 1)}
	go func() { c.waited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-c.waited })
	if f == nil {
		if err := m.Apply(cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
	}
	pids, err := m.PIDs()
	if err != nil || !containsInt(pids, cmd.Process.Pid) {
		t.Fatalf("child %d not in the cgroup: pids %v, %v", cmd.Process.Pid, pids, err)
	}
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	return c
}

func (c *child) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-c.waited:
		c.waited <- err
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("child did not exit within 20s")
		return nil
	}
}

func (c *child) readLine(t *testing.T) string {
	t.Helper()
	line := make(chan string, 1)
	go func() { s, _ := c.out.ReadString('\n'); line <- strings.TrimSpace(s) }()
	select {
	case s := <-line:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("no output from child within 20s")
		return ""
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func stats(t *testing.T, m Manager) *Stats {
	t.Helper()
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fileIn reads one interface file of m's cgroup for controller ctrl.
func fileIn(t *testing.T, m Manager, ctrl, file string) string {
	t.Helper()
	p := m.Paths()
	dir, ok := p[""]
	if !ok {
		dir = p[ctrl]
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestCreateWritesLimitsAndDestroyLeavesNothing(t *testing.T) {
	m := newManager(t, &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(64 << 20)},
		Pids:   &specs.LinuxPids{Limit: i64(50)},
	})
	if m.Mode().V2() {
		if got := fileIn(t, m, "memory", "memory.max"); got != "67108864" {
			t.Errorf("memory.max = %q", got)
		}
	} else if got := fileIn(t, m, "memory", "memory.limit_in_bytes"); got != "67108864" {
		t.Errorf("memory.limit_in_bytes = %q", got)
	}
	if got := fileIn(t, m, "pids", "pids.max"); got != "50" {
		t.Errorf("pids.max = %q", got)
	}
	ctx := context.Background()
	if err := m.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	if m.Exists() {
		t.Fatalf("cgroup still exists after Destroy: %v", m.Paths())
	}
	if _, err := Load(m.Paths(), nil); !errors.Is(err, ErrNotExist) {
		t.Errorf("Load after Destroy: %v, want ErrNotExist", err)
	}
}

func TestInvalidResourcesLeaveNothing(t *testing.T) {
	needRoot(t)
	m, err := New("", Options{ID: "invalid", Parent: testParent})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Create(&specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(64 << 20)},
		CPU:    &specs.LinuxCPU{Cpus: "0-4095"},
	})
	if !errors.Is(err, ErrInvalidResources) || !strings.Contains(err.Error(), "resources.cpu.cpus") {
		t.Fatalf("Create: %v, want ErrInvalidResources naming resources.cpu.cpus", err)
	}
	if m.Exists() {
		t.Fatalf("failed Create left %v", m.Paths())
	}
}

func TestCreateTwiceFails(t *testing.T) {
	m := newManager(t, nil)
	m2, err := New("", Options{ID: strings.ReplaceAll(t.Name(), "/", "-"), Parent: testParent})
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Create(nil); !errors.Is(err, ErrExist) {
		t.Fatalf("second Create: %v, want ErrExist", err)
	}
	if !m.Exists() {
		t.Fatal("second Create removed the first cgroup")
	}
}

func TestMemoryLimitOOMKills(t *testing.T) {
	limit := int64(32 << 20)
	m := newManager(t, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit, Swap: &limit}})
	c := start(t, m, busybox(t)+" dd if=/dev/zero of=/dev/null bs=128M count=1")
	err := c.wait(t)
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("dd of 128M under a 32M limit: %v, want killed", err)
	}
	ws := ee.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("dd ended with %v, want SIGKILL (exit 137)", ws)
	}
	s := stats(t, m)
	if s.Memory.OOMKills < 1 {
		t.Errorf("oom kills = %d, want >= 1", s.Memory.OOMKills)
	}
	if s.Memory.Limit != uint64(limit) {
		t.Errorf("stats limit = %d, want %d", s.Memory.Limit, limit)
	}
}

func TestPidsLimitStopsForkBomb(t *testing.T) {
	m := newManager(t, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(8)}})
	// The shell forks until fork fails, then gives up ("can't fork").
	c := start(t, m, `while :; do sleep 30 >/dev/null 2>&1 & done`)
	if err := c.wait(t); err == nil {
		t.Fatal("fork loop ended cleanly, want it to fail at the pids limit")
	}
	s := stats(t, m)
	if s.Pids.Current > 8 || s.Pids.Current == 0 || s.Pids.Limit != 8 {
		t.Errorf("pids current %d limit %d, want 0 < current <= 8 = limit", s.Pids.Current, s.Pids.Limit)
	}
	if err := exec.Command(busybox(t), "true").Run(); err != nil {
		t.Fatalf("the host cannot fork any more: %v", err)
	}
}

func TestCPUQuotaThrottles(t *testing.T) {
	m := newManager(t, &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(10000), Period: u64(100000)}})
	start(t, m, "while :; do :; done")
	waitFor(t, "throttled periods", func() bool { return stats(t, m).CPU.ThrottledPeriods > 0 })
	if s := stats(t, m); s.CPU.UsageNanos == 0 || s.CPU.Periods == 0 {
		t.Errorf("cpu stats %+v: want usage and periods", s.CPU)
	}
}

func TestCpusetPins(t *testing.T) {
	m := newManager(t, &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0"}})
	c := start(t, m, "echo started; exec sleep 30")
	c.readLine(t)
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Cpus_allowed_list:\t0\n") {
		t.Fatalf("child not pinned to CPU 0:\n%s", grepLine(string(b), "Cpus_allowed_list"))
	}
}

func grepLine(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestFreezeStopsAndThawResumes(t *testing.T) {
	m := newManager(t, nil)
	start(t, m, "while :; do :; done")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waitFor(t, "cpu usage", func() bool { return stats(t, m).CPU.UsageNanos > 0 })
	if err := m.Freeze(ctx); err != nil {
		t.Fatal(err)
	}
	if f, err := m.Frozen(); err != nil || !f {
		t.Fatalf("Frozen() = %v, %v after Freeze", f, err)
	}
	u1 := stats(t, m).CPU.UsageNanos
	time.Sleep(200 * time.Millisecond)
	if u2 := stats(t, m).CPU.UsageNanos; u2-u1 > uint64(time.Millisecond) {
		t.Errorf("frozen cgroup used %v of CPU", time.Duration(u2-u1))
	}
	if err := m.Thaw(ctx); err != nil {
		t.Fatal(err)
	}
	if f, _ := m.Frozen(); f {
		t.Fatal("still frozen after Thaw")
	}
	waitFor(t, "progress after thaw", func() bool { return stats(t, m).CPU.UsageNanos > u1+uint64(10*time.Millisecond) })
}

func TestKillAllEmptiesTheCgroup(t *testing.T) {
	m := newManager(t, nil)
	c := start(t, m, "sleep 30 & sleep 30 & sleep 30 & echo ok; wait")
	c.readLine(t)
	waitFor(t, "4 processes", func() bool { p, _ := m.PIDs(); return len(p) == 4 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.KillAll(ctx); err != nil {
		t.Fatal(err)
	}
	if p, err := m.PIDs(); err != nil || len(p) != 0 {
		t.Fatalf("after KillAll: pids %v, %v", p, err)
	}
	if err := c.wait(t); err == nil {
		t.Fatal("shell exited cleanly, want killed")
	}
	if err := m.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestStatsFollowUsage(t *testing.T) {
	m := newManager(t, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}})
	before := stats(t, m)
	file := filepath.Join(t.TempDir(), "data")
	c := start(t, m, busybox(t)+" dd if=/dev/zero of="+file+" bs=1M count=24 2>/dev/null; echo written; exec sleep 30")
	c.readLine(t)
	s := stats(t, m)
	if s.Memory.Usage < 16<<20 || s.Memory.Usage <= before.Memory.Usage {
		t.Errorf("memory usage %d after writing 24 MiB of page cache (before %d)", s.Memory.Usage, before.Memory.Usage)
	}
	if s.Memory.MaxUsage != 0 && s.Memory.MaxUsage < s.Memory.Usage {
		t.Errorf("max usage %d < usage %d", s.Memory.MaxUsage, s.Memory.Usage)
	}
	if s.Pids.Current != 1 || s.Pids.Limit != 20 {
		t.Errorf("pids %+v, want current 1 limit 20", s.Pids)
	}
	if s.CPU.UsageNanos == 0 {
		t.Errorf("cpu usage 0 after dd")
	}
}

func TestUpdateAndLoad(t *testing.T) {
	m := newManager(t, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(10)}})
	l, err := Load(m.Paths(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Update(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}}); err != nil {
		t.Fatal(err)
	}
	if got := fileIn(t, m, "pids", "pids.max"); got != "20" {
		t.Errorf("pids.max after Update = %q", got)
	}
	err = l.Update(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(30)}, CPU: &specs.LinuxCPU{Shares: u64(1)}})
	if !errors.Is(err, ErrInvalidResources) {
		t.Fatalf("Update with shares 1: %v, want ErrInvalidResources", err)
	}
	if got := fileIn(t, m, "pids", "pids.max"); got != "20" {
		t.Errorf("invalid Update changed pids.max to %q", got)
	}
}

func TestUpdateMemoryAndSwapBothWays(t *testing.T) {
	m := newManager(t, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(32 << 20), Swap: i64(32 << 20)}})
	for _, mb := range []int64{128, 16, 64} {
		r := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(mb << 20), Swap: i64(2 * mb << 20)}}
		if err := m.Update(r); err != nil {
			t.Fatalf("update to %d MiB + swap: %v", mb, err)
		}
	}
	if s := stats(t, m); s.Memory.Limit != 64<<20 {
		t.Errorf("limit %d after updates, want 64 MiB", s.Memory.Limit)
	}
}

func TestMissingControllerIsExplained(t *testing.T) {
	needRoot(t)
	m, err := New("", Options{ID: "missing", Parent: testParent})
	if err != nil {
		t.Fatal(err)
	}
	var r *specs.LinuxResources
	want := ErrControllerMissing
	switch m.Mode() {
	case Unified:
		r = &specs.LinuxResources{Unified: map[string]string{"nosuchctl.max": "1"}}
	case Hybrid:
		l, _ := detect()
		if len(l.V2Bound) == 0 {
			t.Skip("no controller is bound to the cgroup2 side of this hybrid host")
		}
		r = &specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}}
		want = ErrInvalidResources
	default:
		t.Skip("legacy host")
	}
	err = m.Create(r)
	if !errors.Is(err, want) || !strings.Contains(err.Error(), "resources.unified") {
		t.Fatalf("Create: %v, want %v naming the field", err, want)
	}
	if m.Exists() {
		t.Fatal("failed Create left a cgroup")
	}
	t.Log(err)
}

func TestHybridHugetlbBoundElsewhere(t *testing.T) {
	needRoot(t)
	l, err := detect()
	if err != nil {
		t.Fatal(err)
	}
	if l.Mode != Hybrid || !containsStr(l.V2Bound, "hugetlb") || len(hugePageSizes()) == 0 {
		t.Skip("needs a hybrid host whose hugetlb controller sits on the cgroup2 side")
	}
	m, err := New("", Options{ID: "hugetlb", Parent: testParent})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Create(&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: hugePageSizes()[0], Limit: 1 << 21}}})
	if !errors.Is(err, ErrControllerMissing) || !strings.Contains(err.Error(), "bound to the cgroup2 hierarchy") {
		t.Fatalf("Create: %v, want ErrControllerMissing explaining hugetlb is on cgroup2", err)
	}
	t.Log(err)
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDestroyWithProcessesIsBusy(t *testing.T) {
	m := newManager(t, nil)
	start(t, m, "exec sleep 30")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := m.Destroy(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("Destroy with a live process: %v, want ErrBusy", err)
	}
	if !m.Exists() {
		t.Fatal("busy cgroup was removed")
	}
}

func TestSignalReachesEveryProcess(t *testing.T) {
	m := newManager(t, nil)
	c := start(t, m, "sleep 30 & echo ok; wait")
	c.readLine(t)
	waitFor(t, "2 processes", func() bool { p, _ := m.PIDs(); return len(p) == 2 })
	if err := m.Signal(context.Background(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "an empty cgroup after SIGTERM", func() bool { p, _ := m.PIDs(); return len(p) == 0 })
	if f, _ := m.Frozen(); f {
		t.Error("Signal left the cgroup frozen")
	}
}

func TestTestCgroupsNestBelowOwn(t *testing.T) {
	m := newManager(t, nil)
	own, err := SelfPaths()
	if err != nil {
		t.Fatal(err)
	}
	for c, dir := range m.Paths() {
		p := strings.TrimSuffix(own[c], "/") + "/"
		if m.Mode().V2() {
			p = filepath.Dir(own[""]) + "/" // the test moved itself to a leaf beside its cgroups
			if !strings.HasSuffix(own[""], "-self") {
				p = strings.TrimSuffix(own[""], "/") + "/"
			}
		}
		if !strings.Contains(dir, p) {
			t.Errorf("%s cgroup %s is not below the test's own cgroup %s", c, dir, p)
		}
	}
}

// A value the plan accepts but the kernel refuses fails at write time;
// Create must then remove what it made.
func TestKernelRefusalLeavesNothing(t *testing.T) {
	needRoot(t)
	m, err := New("", Options{ID: "refused", Parent: testParent})
	if err != nil {
		t.Fatal(err)
	}
	r := &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(5)}}
	if m.Mode().V2() {
		r.Unified = map[string]string{"memory.high": "lots"}
	} else {
		// The parent has no realtime budget to hand out.
		r.CPU = &specs.LinuxCPU{RealtimePeriod: u64(1000000), RealtimeRuntime: i64(950000)}
	}
	err = m.Create(r)
	if err == nil {
		t.Fatal("Create accepted a value the kernel should refuse")
	}
	if errors.Is(err, ErrControllerMissing) {
		t.Skipf("host cannot run this test: %v", err)
	}
	t.Log(err)
	if m.Exists() {
		t.Fatalf("failed Create left %v", m.Paths())
	}
}

func TestHugetlbLimitWritten(t *testing.T) {
	needRoot(t)
	sizes := hugePageSizes()
	if len(sizes) == 0 {
		t.Skip("kernel offers no huge page sizes")
	}
	m := newManager(t, &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: sizes[0], Limit: 4 << 30}}})
	file := "hugetlb." + sizes[0] + ".max"
	if !m.Mode().V2() {
		file = "hugetlb." + sizes[0] + ".limit_in_bytes"
	}
	if got := fileIn(t, m, "hugetlb", file); got != fmt.Sprint(4<<30) {
		t.Errorf("%s = %q", file, got)
	}
}
