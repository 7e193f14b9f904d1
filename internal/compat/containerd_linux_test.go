package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// containerdHostPaths are where a containerd that is not isolated would
// write. /run/containerd is the exception the shim forces: it puts its
// socket in /run/containerd/s whatever the configured state directory;
// stop removes what our shims made there.
var containerdHostPaths = []string{"/var/lib/containerd", "/run/containerd", "/opt/containerd", "/etc/cni", "/var/lib/cni"}

// containerd is one containerd started by the test: root, state, sockets,
// FIFOs and the shim's runc roots under dir; no CRI plugin, no CNI.
type containerd struct {
	dir, rootfs, cgroupParent string
	cmd                       *exec.Cmd
	runDirExisted             bool
	socketsBefore             map[string]bool // in shimSocketDir
}

// shimSocketDir is where containerd-shim-runc-v2 (1.6) puts its ttrpc
// socket, whatever containerd's configured state directory.
const shimSocketDir = "/run/containerd/s"

func startContainerd(t testing.TB) *containerd {
	t.Helper()
	requireBinaries(t, "containerd", "containerd", "ctr", "containerd-shim-runc-v2")
	watchHost(t, containerdHostPaths...)
	dir := workDir(t, "compat-ctrd-")
	checkMountsAtEnd(t, dir)
	name := fmt.Sprintf("skiff-compat-%d-ctr", os.Getpid())
	removeCgroupsAtEnd(t, name)
	reapAtEnd(t, dir)
	_, err := os.Stat("/run/containerd")
	c := &containerd{dir: dir, rootfs: busyboxRootfs(t, dir), cgroupParent: name, runDirExisted: err == nil,
		socketsBefore: entries(shimSocketDir)}
	config := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(config, []byte(c.config()), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	c.cmd = exec.Command("containerd", "--config", config)
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.stop(t) })
	c.waitReady(t)
	return c
}

// config: everything under dir; plugins that need the network (CRI) or
// other filesystems are off. The v1 runtime stays: the tasks service
// needs it loaded.
func (c *containerd) config() string {
	return fmt.Sprintf(`version = 2
root = "%[1]s/root"
state = "%[1]s/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "%[1]s/containerd.sock"
[ttrpc]
  address = "%[1]s/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "%[1]s/opt"
`, c.dir)
}

func (c *containerd) sock() string { return filepath.Join(c.dir, "containerd.sock") }

func (c *containerd) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := run(t, nil, "", "ctr", "--address", c.sock(), "version")
		if r.code == 0 {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(c.dir, "containerd.log"))
			t.Fatalf("containerd did not serve %s: %s\n%s", c.sock(), r, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ctr runs ctr against our containerd.
func (c *containerd) ctr(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	return run(t, nil, stdin, "ctr", append([]string{"--address", c.sock()}, args...)...)
}

// runArgs are ctr run's flags for rt: our rootfs directory (no image, no
// snapshotter), FIFOs under dir, rt as the shim's runc binary with its
// root under dir, and a relative cgroup path (below the runtime's own
// cgroup in every hierarchy, so below the test's memory cgroup).
func (c *containerd) runArgs(rt ociRuntime, id string, flags ...string) []string {
	return c.runArgsCgroup(rt, id, c.cgroupParent+"/"+id, flags...)
}

// runArgsCgroup is runArgs with the container's cgroup path; "" gives the
// runtime none, so it picks one itself.
func (c *containerd) runArgsCgroup(rt ociRuntime, id, cgroup string, flags ...string) []string {
	args := append([]string{"run"}, flags...)
	return append(args, "--rootfs", "--fifo-dir", c.dir+"/fifo", "--runc-binary", rt.path,
		"--runc-root", c.runcRoot(rt), "--cgroup", cgroup, c.rootfs, id)
}

// runcRoot is the --runc-root for rt; the shim adds the namespace.
func (c *containerd) runcRoot(rt ociRuntime) string { return filepath.Join(c.dir, "runc-"+rt.name) }

// stop removes what is left (after a failure), stops containerd by its
// pid, waits for the shims it started (found by our socket in their
// command line) to exit, SIGKILLing those that do not, and removes the
// shim sockets they left in /run/containerd/s.
func (c *containerd) stop(t testing.TB) {
	for _, id := range strings.Fields(c.ctr(t, "", "task", "ls", "-q").stdout) {
		c.ctr(t, "", "task", "kill", "-s", "KILL", id)
		if err := c.waitStopped(t, id); err != nil {
			t.Error(err)
		}
		c.ctr(t, "", "task", "delete", "--force", id)
	}
	for _, id := range strings.Fields(c.ctr(t, "", "container", "ls", "-q").stdout) {
		c.ctr(t, "", "container", "delete", id)
	}
	c.cmd.Process.Signal(unix.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Errorf("containerd (pid %d) ignored SIGTERM for 15s; killing it", c.cmd.Process.Pid)
		c.cmd.Process.Kill()
		<-done
	}
	c.stopShims(t)
	c.removeShimSockets(t)
}

func (c *containerd) stopShims(t testing.TB) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := processesMentioning(c.sock())
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				t.Errorf("shim pid %d outlived containerd; killing it", pid)
				unix.Kill(pid, unix.SIGKILL)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// removeShimSockets removes the sockets that appeared in /run/containerd/s
// during the test (our shims', as SIGKILLed ones leave them), and the
// directories if the test made them.
func (c *containerd) removeShimSockets(t testing.TB) {
	for name := range entries(shimSocketDir) {
		p := filepath.Join(shimSocketDir, name)
		if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeSocket != 0 && !c.socketsBefore[name] {
			os.Remove(p)
		}
	}
	if c.runDirExisted {
		return
	}
	for _, d := range []string{shimSocketDir, "/run/containerd"} {
		if err := os.Remove(d); err != nil && !os.IsNotExist(err) {
			t.Errorf("remove %s (made by our containerd's shims): %v", d, err)
		}
	}
}

// taskStatus returns a task's pid and status from `ctr task ls`.
func (c *containerd) taskStatus(t testing.TB, id string) (int, string) {
	t.Helper()
	for _, line := range strings.Split(c.ctr(t, "", "task", "ls").stdout, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == id {
			pid, _ := strconv.Atoi(f[1])
			return pid, f[2]
		}
	}
	return 0, ""
}

func (c *containerd) waitStopped(t testing.TB, id string) error {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, status := c.taskStatus(t, id)
		if status == "STOPPED" || status == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("task %s still %s after 20s", id, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestContainerd drives containerd's runc shim (containerd-shim-runc-v2)
// with --runc-binary set to runc and then to skiff-runc: a container run
// to completion, a terminal, a detached container with exec, kill and
// delete, and a create that fails (the shim shows the runtime's message
// from its JSON log).
func TestContainerd(t *testing.T) {
	rts := runtimes(t)
	c := startContainerd(t)
	for _, rt := range rts {
		t.Run(rt.name, func(t *testing.T) {
			t.Run("run", func(t *testing.T) { ctrRun(t, c, rt) })
			t.Run("terminal", func(t *testing.T) { ctrTerminal(t, c, rt) })
			t.Run("detached", func(t *testing.T) { ctrDetached(t, c, rt) })
			t.Run("no cgroups path", func(t *testing.T) { ctrNoCgroupsPath(t, c, rt) })
			t.Run("create error", func(t *testing.T) { ctrCreateError(t, c, rt) })
			t.Run("json log", func(t *testing.T) { jsonLogError(t, rt) })
		})
	}
}

// jsonLogError checks the log contract the shim relies on directly: with
// --log FILE --log-format json, a failing command writes one JSON object
// per line, and its error has "level":"error" (lower case, as logrus
// writes it) and the message in "msg".
func jsonLogError(t *testing.T, rt ociRuntime) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "log.json")
	r := run(t, nil, "", rt.path, "--root", dir, "--log", logFile, "--log-format", "json", "state", "nosuch")
	if r.code == 0 {
		t.Fatalf("%s state nosuch: %s, want a failure", rt.name, r)
	}
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	found := false
	for {
		var entry struct{ Level, Msg string }
		if err := dec.Decode(&entry); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("log is not JSON lines: %v\n%s", err, data)
		}
		found = found || (entry.Level == "error" && entry.Msg != "")
	}
	if !found {
		t.Errorf("%s --log-format json: no entry with \"level\":\"error\" and a msg; containerd's shim shows only those:\n%s", rt.name, data)
	}
}

func ctrRun(t *testing.T, c *containerd, rt ociRuntime) {
	id := "run-" + rt.name
	r := c.ctr(t, "", append(c.runArgs(rt, id, "--rm"), "/bin/sh", "-c", "echo hi; echo oops >&2; exit 3")...)
	want(t, "ctr run --rm", r, 3, "hi\n")
	if !strings.Contains(r.stderr, "oops") {
		t.Errorf("ctr run --rm: stderr %q, want oops", r.stderr)
	}
}

// ctrTerminal: ctr -t needs a terminal of its own; the shim gets the
// container's pty master over --console-socket; what we type reaches the
// container's shell.
func ctrTerminal(t *testing.T, c *containerd, rt ociRuntime) {
	id := "tty-" + rt.name
	r := runTTY(t, nil, "ctr", append([]string{"--address", c.sock()}, append(c.runArgs(rt, id, "--rm", "-t"), "/bin/sh", "-c", "tty; exit 4")...)...)
	want(t, "ctr run -t", r, 4, "/dev/pts/")
	id = "typed-" + rt.name
	r = typeTTY(t, nil, "echo typed-$((6*7)); exit 7\n", "ctr", append([]string{"--address", c.sock()}, append(c.runArgs(rt, id, "--rm", "-t"), "/bin/sh")...)...)
	want(t, "ctr run -t, typing", r, 7, "typed-42")
}

// ctrDetached: run -d, the task in its cgroup (with its memory limit) and
// in the runtime's state, task exec (status, stdin, terminal), pause and
// resume, kill, delete.
func ctrDetached(t *testing.T, c *containerd, rt ociRuntime) {
	id := "detached-" + rt.name
	if r := c.ctr(t, "", append(c.runArgs(rt, id, "-d", "--memory-limit", "67108864"), "/bin/sleep", "1000")...); r.code != 0 {
		t.Fatalf("ctr run -d: %s", r)
	}
	pid, status := c.taskStatus(t, id)
	if status != "RUNNING" || pid <= 0 {
		t.Fatalf("task %s: pid %d, status %q, want RUNNING", id, pid, status)
	}
	cgroupDir := wantBelowOwnCgroup(t, pid)
	wantLimits(t, pid, "67108864", "max")
	root := "--root=" + filepath.Join(c.runcRoot(rt), "default")
	want(t, rt.name+" state", run(t, nil, "", rt.path, root, "state", id), 0, `"status": "running"`)

	exec := []string{"task", "exec", "--fifo-dir", c.dir + "/fifo"}
	want(t, "ctr task exec", c.ctr(t, "", append(exec, "--exec-id", "e1", id, "/bin/sh", "-c", "echo in-exec; exit 5")...), 5, "in-exec\n")
	want(t, "ctr task exec (stdin)", c.ctr(t, "line one\n", append(exec, "--exec-id", "e2", id, "/bin/cat")...), 0, "line one\n")
	ttyArgs := append([]string{"--address", c.sock()}, append(exec, "-t", "--exec-id", "e3", id, "/bin/sh", "-c", "tty; exit 6")...)
	want(t, "ctr task exec -t", runTTY(t, nil, "ctr", ttyArgs...), 6, "/dev/pts/")

	want(t, "ctr task pause", c.ctr(t, "", "task", "pause", id), 0)
	if _, status := c.taskStatus(t, id); status != "PAUSED" {
		t.Errorf("task %s after pause: %q, want PAUSED", id, status)
	}
	want(t, "ctr task resume", c.ctr(t, "", "task", "resume", id), 0)
	want(t, "ctr task exec after resume", c.ctr(t, "", append(exec, "--exec-id", "e4", id, "/bin/true")...), 0)

	want(t, "ctr task kill", c.ctr(t, "", "task", "kill", "-s", "KILL", id), 0)
	if err := c.waitStopped(t, id); err != nil {
		t.Fatal(err)
	}
	if r := c.ctr(t, "", "task", "delete", id); r.code != 0 || !strings.Contains(r.stderr, "137") {
		t.Errorf("ctr task delete: %s, want success and exit code 137 reported", r)
	}
	want(t, "ctr container delete", c.ctr(t, "", "container", "delete", id), 0)
	if st := run(t, nil, "", rt.path, root, "state", id); st.code == 0 {
		t.Errorf("%s state after delete: %s, want the container gone", rt.name, st)
	}
	wantGone(t, cgroupDir)
}

// ctrNoCgroupsPath: with --cgroup "" the spec has no cgroupsPath and the
// runtime chooses (runc: <its own cgroup>/<id>; skiff: a parent below its
// own cgroup); either way below the test's memory cgroup, and gone after
// delete.
func ctrNoCgroupsPath(t *testing.T, c *containerd, rt ociRuntime) {
	id := "nocgroup-" + rt.name
	if r := c.ctr(t, "", append(c.runArgsCgroup(rt, id, "", "-d"), "/bin/sleep", "1000")...); r.code != 0 {
		t.Fatalf("ctr run -d --cgroup \"\": %s", r)
	}
	pid, _ := c.taskStatus(t, id)
	cgroupDir := wantBelowOwnCgroup(t, pid)
	want(t, "ctr task kill", c.ctr(t, "", "task", "kill", "-s", "KILL", id), 0)
	if err := c.waitStopped(t, id); err != nil {
		t.Fatal(err)
	}
	want(t, "ctr task delete", c.ctr(t, "", "task", "delete", id), 0)
	want(t, "ctr container delete", c.ctr(t, "", "container", "delete", id), 0)
	wantGone(t, cgroupDir)
}

// ctrCreateError: the runtime's own message reaches the user: the shim
// reads it from the runtime's --log file (--log-format json), taking the
// last entry with "level":"error".
func ctrCreateError(t *testing.T, c *containerd, rt ociRuntime) {
	id := "error-" + rt.name
	r := c.ctr(t, "", append(c.runArgs(rt, id, "--rm"), "/no/such/program")...)
	if r.code == 0 || !strings.Contains(r.stderr, "/no/such/program") {
		t.Errorf("ctr run of a missing program: %s, want a failure naming it", r)
	}
	c.ctr(t, "", "container", "delete", id) // ctr leaves the container record after a failed task create
}

// BenchmarkCtrRunRm times `ctr run --rm ... true` (rootfs, no network)
// with skiff-runc and with runc as the shim's runc binary, alternating,
// and reports the median ratio skiff-runc/runc.
func BenchmarkCtrRunRm(b *testing.B) {
	rts := runtimes(b)
	if len(rts) < 2 {
		b.Skip("needs runc as the peer")
	}
	c := startContainerd(b)
	n := 0
	once := func(rt ociRuntime) time.Duration {
		n++
		start := time.Now()
		if r := c.ctr(b, "", append(c.runArgs(rt, fmt.Sprintf("bench-%d", n), "--rm"), "/bin/true")...); r.code != 0 {
			b.Fatalf("ctr run --rm with %s: %s", rt.name, r)
		}
		return time.Since(start)
	}
	benchPairs(b, rts[0], rts[1], once)
}
