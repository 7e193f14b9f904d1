package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/internal/testutil"
	"github.com/skiffrun/skiff/runtime/initproc"
)

// runcPath is the peer: Debian's runc, which both drivers are built for.
const runcPath = "/usr/sbin/runc"

// cmdTimeout bounds every driver command, so a hang fails the test.
const cmdTimeout = 60 * time.Second

// ociRuntime is one runtime binary a driver is pointed at, and its
// default state directory (--root), which podman relies on.
type ociRuntime struct{ name, path, root string }

// runtimes returns runc (the peer, when installed) and then skiff-runc,
// found beside $SKIFF_BIN. It skips unless root and SKIFF_BIN is set.
func runtimes(t testing.TB) []ociRuntime {
	t.Helper()
	testutil.RequireRoot(t)
	bin := os.Getenv("SKIFF_BIN")
	if bin == "" {
		t.Skip("needs SKIFF_BIN=<repo>/bin/skiff with bin/skiff-runc beside it (make build; scripts/test.sh sets it)")
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	skiff := filepath.Join(filepath.Dir(bin), "skiff-runc")
	if _, err := os.Stat(skiff); err != nil {
		t.Fatalf("skiff-runc beside SKIFF_BIN: %v (make build makes it)", err)
	}
	var rts []ociRuntime
	if _, err := os.Stat(runcPath); err == nil {
		rts = append(rts, ociRuntime{"runc", runcPath, "/run/runc"})
	}
	return append(rts, ociRuntime{"skiff-runc", skiff, "/run/skiff"})
}

// keepDefaultRoot makes the test leave rt's default state directory as
// it found it: a container that appeared there and is still there at the
// end was not deleted by the driver (an error; the test deletes it), and
// the directory goes if the test made it.
func keepDefaultRoot(t testing.TB, rt ociRuntime) {
	t.Helper()
	_, err := os.Stat(rt.root)
	existed := err == nil
	before := entries(rt.root)
	t.Cleanup(func() {
		for id := range entries(rt.root) {
			if !before[id] {
				t.Errorf("%s: container %s left in %s", rt.name, id, rt.root)
				run(t, nil, "", rt.path, "--root="+rt.root, "delete", "--force", id)
			}
		}
		if err := os.Remove(rt.root); !existed && err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("remove %s, which the test made: %v", rt.root, err)
		}
	})
}

func entries(dir string) map[string]bool {
	list, _ := os.ReadDir(dir)
	names := map[string]bool{}
	for _, e := range list {
		names[e.Name()] = true
	}
	return names
}

// requireBinaries skips the test unless every named program is installed.
func requireBinaries(t testing.TB, pkg string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("needs %s (apt-get install %s)", n, pkg)
		}
	}
}

// workDir is a short temporary directory (unix socket paths must stay
// under 108 bytes) that the test removes at the end, after every driver
// cleanup registered later has run.
func workDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	return dir
}

// result is what a command printed and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// run runs a command with extra environment and stdin, within cmdTimeout.
// Only a command that could not run at all fails the test.
func run(t testing.TB, env []string, stdin string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second // a daemon that kept our pipes must not hang us
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), code: cmd.ProcessState.ExitCode()}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s %s: %v (%s)", name, strings.Join(args, " "), err, r)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %v (%s)", name, strings.Join(args, " "), cmdTimeout, r)
	}
	return r
}

// runTTY runs a command with a new pty as its controlling terminal and
// stdio, as a person at a terminal would, and returns what it wrote there.
func runTTY(t testing.TB, env []string, name string, args ...string) result {
	t.Helper()
	return typeTTY(t, env, "", name, args...)
}

// typeTTY is runTTY that also types input at the terminal.
func typeTTY(t testing.TB, env []string, input string, name string, args ...string) result {
	t.Helper()
	master, slave, err := initproc.OpenPty()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatalf("%s: %v", name, err)
	}
	slave.Close()
	if _, err := master.Write([]byte(input)); err != nil {
		t.Errorf("type at the terminal: %v", err)
	}
	output := make(chan string, 1)
	go func() {
		data, _ := io.ReadAll(master) // EIO once every holder of the slave is gone
		output <- string(data)
	}()
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	r := result{code: cmd.ProcessState.ExitCode()}
	select {
	case r.stdout = <-output:
	case <-time.After(5 * time.Second):
		master.Close()
		r.stdout = <-output
	}
	return r
}

// want fails the test unless r exited with code and its stdout contains
// every string of out.
func want(t testing.TB, what string, r result, code int, out ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("%s: %s, want exit %d", what, r, code)
		return
	}
	for _, s := range out {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("%s: %s, want %q in stdout", what, r, s)
		}
	}
}

// ownCgroups maps each hierarchy of this process (controller list, "" for
// cgroup v2) to its cgroup path, from /proc/PID/cgroup.
func cgroupsOf(pid string) (map[string]string, error) {
	data, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if f := strings.SplitN(line, ":", 3); len(f) == 3 {
			paths[f[1]] = f[2]
		}
	}
	return paths, nil
}

// memoryCgroup is the cgroup that decides memory accounting and limits:
// the memory controller's on v1 or hybrid hosts, the unified one on v2.
// Containers must stay below the test's own.
func memoryCgroup(paths map[string]string) string {
	for ctrls, p := range paths {
		if slices.Contains(strings.Split(ctrls, ","), "memory") {
			return p
		}
	}
	return paths[""]
}

// ownMemoryCgroup is memoryCgroup of this test process.
func ownMemoryCgroup(t testing.TB) string {
	t.Helper()
	paths, err := cgroupsOf("self")
	if err != nil {
		t.Fatal(err)
	}
	own := memoryCgroup(paths)
	if own == "" {
		t.Fatal("no memory or unified cgroup in /proc/self/cgroup")
	}
	return own
}

// wantBelowOwnCgroup fails the test unless process pid sits strictly below
// this test's memory cgroup, and returns the directory of its memory
// cgroup (see wantGone).
func wantBelowOwnCgroup(t testing.TB, pid int) string {
	t.Helper()
	paths, err := cgroupsOf(strconv.Itoa(pid))
	if err != nil {
		t.Fatalf("cgroup of container pid %d: %v", pid, err)
	}
	own := strings.TrimSuffix(ownMemoryCgroup(t), "/")
	got := memoryCgroup(paths)
	if !strings.HasPrefix(got, own+"/") {
		t.Errorf("container pid %d is in memory cgroup %s, not below ours (%s)", pid, got, own)
	}
	if p, ok := paths[""]; ok && len(paths) == 1 { // pure cgroup v2
		return filepath.Join("/sys/fs/cgroup", p)
	}
	return filepath.Join("/sys/fs/cgroup/memory", got)
}

// wantGone fails the test if a deleted container's cgroup directory is
// still there.
func wantGone(t testing.TB, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cgroup %s is still there after delete (%v)", dir, err)
	}
}

// wantLimits fails the test unless the cgroup of process pid holds the
// given memory limit and pids limit (cgroup v1 files or v2 files).
func wantLimits(t testing.TB, pid int, memory, pids string) {
	t.Helper()
	paths, err := cgroupsOf(strconv.Itoa(pid))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][2]string{ // controller: v1 file, v2 file
		"memory": {"memory.limit_in_bytes", "memory.max"},
		"pids":   {"pids.max", "pids.max"},
	}
	wantValue := map[string]string{"memory": memory, "pids": pids}
	for ctrl, f := range files {
		file := filepath.Join("/sys/fs/cgroup", ctrl, paths[ctrl], f[0])
		if p, ok := paths[""]; ok && len(paths) == 1 { // pure cgroup v2
			file = filepath.Join("/sys/fs/cgroup", p, f[1])
		}
		data, err := os.ReadFile(file)
		if got := strings.TrimSpace(string(data)); err != nil || got != wantValue[ctrl] {
			t.Errorf("%s of container pid %d: %q (%v), want %s", file, pid, got, err, wantValue[ctrl])
		}
	}
}

// removeCgroupsAtEnd removes, when the test ends, the cgroup directory
// name below our own cgroup and below each hierarchy's root (relative
// cgroup paths resolve below the runtime's own cgroup in each hierarchy,
// absolute ones below the root). A container cgroup still in it (the
// runtime's delete removes those) or a process still in one (killed: it
// can only be a container's) is an error.
func removeCgroupsAtEnd(t testing.TB, name string) {
	t.Helper()
	own, err := cgroupsOf("self")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		hierarchies, _ := filepath.Glob("/sys/fs/cgroup/*")
		hierarchies = append(hierarchies, "/sys/fs/cgroup")
		seen := map[string]bool{}
		for _, h := range hierarchies {
			candidates := []string{filepath.Join(h, name), filepath.Join(h, memoryCgroup(own), name)}
			for ctrls, p := range own {
				if ctrls == filepath.Base(h) || (ctrls == "" && filepath.Base(h) == "unified") {
					candidates = append(candidates, filepath.Join(h, p, name))
				}
			}
			for _, c := range candidates {
				if !seen[c] {
					seen[c] = true
					removeTree(t, c)
				}
			}
		}
	})
}

func removeTree(t testing.TB, dir string) {
	removeCgroupTree(t, dir, true)
}

// removeCgroupTree removes a cgroup directory and those below it,
// children first; with strict, a directory below it is an error (a
// container cgroup its runtime did not remove).
func removeCgroupTree(t testing.TB, dir string, strict bool) {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if i > 0 && strict {
			t.Errorf("cgroup %s outlived its container: the runtime's delete removes it", dirs[i])
		}
		emptyCgroup(t, dirs[i])
		if err := unix.Rmdir(dirs[i]); err != nil && !errors.Is(err, unix.ENOENT) {
			t.Errorf("remove cgroup %s: %v", dirs[i], err)
		}
	}
}

// emptyCgroup SIGKILLs the processes left in a container cgroup of ours
// and waits (up to 5s) until they are gone.
func emptyCgroup(t testing.TB, dir string) {
	deadline := time.Now().Add(5 * time.Second)
	reported := map[int]bool{}
	for {
		data, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		pids := strings.Fields(string(data))
		if len(pids) == 0 || time.Now().After(deadline) {
			return
		}
		for _, p := range pids {
			pid, _ := strconv.Atoi(p)
			if pid <= 0 || pid == os.Getpid() {
				continue
			}
			if !reported[pid] {
				reported[pid] = true
				cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
				t.Errorf("left running in %s: pid %d: %s", dir, pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
			}
			unix.Kill(pid, unix.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// watchHost fails the test if it adds anything under the given host paths
// (the drivers' default state, storage and network directories), so that
// only the temporary directories change. Register it first: it checks last.
func watchHost(t testing.TB, paths ...string) {
	t.Helper()
	before := listTree(paths)
	t.Cleanup(func() {
		var added []string
		for p := range listTree(paths) {
			if !before[p] {
				added = append(added, p)
			}
		}
		sort.Strings(added)
		if len(added) > 0 {
			t.Errorf("the test left on the host: %s", strings.Join(added, " "))
		}
	})
}

func listTree(roots []string) map[string]bool {
	seen := map[string]bool{}
	for _, r := range roots {
		filepath.WalkDir(r, func(p string, d fs.DirEntry, err error) error {
			if err == nil {
				seen[p] = true
			}
			return nil
		})
	}
	return seen
}

// checkMountsAtEnd unmounts, when the test ends, anything still mounted
// below dir, and fails the test if there was any.
func checkMountsAtEnd(t testing.TB, dir string) {
	t.Helper()
	t.Cleanup(func() {
		data, err := os.ReadFile("/proc/self/mountinfo")
		if err != nil {
			t.Error(err)
			return
		}
		var left []string
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
				left = append(left, f[4])
			}
		}
		for i := len(left) - 1; i >= 0; i-- {
			unix.Unmount(left[i], unix.MNT_DETACH)
		}
		if len(left) > 0 {
			t.Errorf("left mounted: %s", strings.Join(left, " "))
		}
	})
}

// processesMentioning returns the pids whose command line contains s (the
// daemons a driver started with our temporary directories in their args).
func processesMentioning(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// reapAtEnd fails the test if processes mentioning dir in their command
// line outlive it (conmon, shims), after waiting a little for them to
// exit by themselves, and SIGKILLs those pids.
func reapAtEnd(t testing.TB, dir string) {
	t.Helper()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		pids := processesMentioning(dir)
		for len(pids) > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			pids = processesMentioning(dir)
		}
		for _, pid := range pids {
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			t.Errorf("left running: pid %d: %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
			unix.Kill(pid, unix.SIGKILL)
		}
	})
}

// busyboxRootfs writes the busybox rootfs the containers run in.
func busyboxRootfs(t testing.TB, dir string) string {
	t.Helper()
	rootfs := filepath.Join(dir, "rootfs")
	testutil.BusyboxRootfs(t, rootfs)
	return rootfs
}

// nrOpenPlusOne is a nofile limit no process may have (above
// fs.nr_open): setting it fails with EPERM, even for root, in the
// container's init, before the user's program runs.
func nrOpenPlusOne(t testing.TB) int {
	t.Helper()
	data, err := os.ReadFile("/proc/sys/fs/nr_open")
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return n + 1
}

// median of a non-empty list.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
