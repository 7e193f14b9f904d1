package vmtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// allocEnv asks the re-executed test binary to allocate and touch that many
// MiB instead of running tests (see TestMain).
const allocEnv = "SKIFF_VMTEST_ALLOC_MIB"

func TestMain(m *testing.M) {
	if v := os.Getenv(allocEnv); v != "" {
		os.Exit(allocate(v))
	}
	os.Exit(m.Run())
}

// allocate touches every page of n MiB so that all of it is charged to the
// process's memory cgroup; it returns 0 if it survived.
func allocate(n string) int {
	mib, err := strconv.Atoi(n)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s=%q: want a number of MiB\n", allocEnv, n)
		return 2
	}
	buf := make([]byte, mib<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	fmt.Printf("allocated %d MiB\n", mib)
	return 0
}

// newCgroup makes a child of the root cgroup (where the VM's init enabled
// every controller), writes limits into it and removes it at the end.
func newCgroup(t *testing.T, limits map[string]string) string {
	t.Helper()
	dir := filepath.Join(cgroupRoot, fmt.Sprintf("skiff-vmtest-%s-%d", strings.ToLower(t.Name()), os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatalf("create cgroup: %v", err)
	}
	t.Cleanup(func() { removeCgroup(t, dir) })
	for file, value := range limits {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644); err != nil {
			t.Fatalf("write %s: %v", file, err)
		}
	}
	return dir
}

// removeCgroup retries rmdir for a while: a killed process leaves its
// cgroup only once the kernel has finished tearing it down.
func removeCgroup(t *testing.T, dir string) {
	var err error
	for i := 0; i < 50; i++ {
		if err = os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("remove cgroup %s: %v", dir, err)
}

// runIn runs cmd with the child born inside the cgroup dir
// (clone3 CLONE_INTO_CGROUP), so nothing runs there unlimited, even briefly.
func runIn(t *testing.T, dir string, cmd *exec.Cmd) error {
	t.Helper()
	fd, err := syscall.Open(dir, syscall.O_DIRECTORY|syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open cgroup %s: %v", dir, err)
	}
	defer syscall.Close(fd)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	return cmd.Run()
}

// eventCount reads one counter of a cgroup's *.events file.
func eventCount(t *testing.T, dir, file, key string) int {
	t.Helper()
	for _, line := range strings.Split(readFile(t, filepath.Join(dir, file)), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("%s/%s: %q: %v", dir, file, line, err)
			}
			return n
		}
	}
	t.Fatalf("%s/%s has no %s", dir, file, key)
	return 0
}

func TestMemoryMaxOOMKills(t *testing.T) {
	needVM(t)
	dir := newCgroup(t, map[string]string{"memory.max": "32M", "memory.swap.max": "0"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), allocEnv+"=100")
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	err := runIn(t, dir, cmd)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("allocating 100 MiB under memory.max=32M: got %v (output %q), want SIGKILL", err, out)
	}
	ws := exit.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("allocating 100 MiB under memory.max=32M: %v (output %q), want killed by SIGKILL", err, out)
	}
	if n := eventCount(t, dir, "memory.events", "oom_kill"); n < 1 {
		t.Fatalf("memory.events oom_kill = %d, want >= 1", n)
	}
}

func TestMemoryMaxAllowsSmall(t *testing.T) {
	needVM(t)
	dir := newCgroup(t, map[string]string{"memory.max": "64M"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), allocEnv+"=8")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "allocated 8 MiB") {
		t.Fatalf("allocating 8 MiB outside the cgroup: %v, output %q", err, out)
	}
	cmd = exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), allocEnv+"=8")
	if err := runIn(t, dir, cmd); err != nil {
		t.Fatalf("allocating 8 MiB under memory.max=64M: %v", err)
	}
	if n := eventCount(t, dir, "memory.events", "oom_kill"); n != 0 {
		t.Fatalf("memory.events oom_kill = %d, want 0", n)
	}
}

func TestPidsMaxRefusesFork(t *testing.T) {
	needVM(t)
	dir := newCgroup(t, map[string]string{"pids.max": "1"})
	// The shell is the cgroup's one task; the fork for "&" must fail.
	cmd := exec.Command("/bin/busybox", "sh", "-c", "sleep 0 & wait")
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := runIn(t, dir, cmd); err == nil {
		t.Fatalf("fork under pids.max=1 succeeded, want refused (output %q)", out)
	}
	if n := eventCount(t, dir, "pids.events", "max"); n < 1 {
		t.Fatalf("pids.events max = %d, want >= 1 (output %q)", n, out)
	}
}
