package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/internal/testutil"
	"github.com/skiffrun/skiff/runtime/spec"
)

// bundle writes a busybox bundle whose config runs args.
func bundle(t *testing.T, edit func(*specs.Spec)) string {
	t.Helper()
	dir := t.TempDir()
	testutil.BusyboxRootfs(t, filepath.Join(dir, "rootfs"))
	s := spec.Default()
	s.Process.Terminal = false
	if edit != nil {
		edit(s)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runc returns a command for skiff invoked as skiff-runc (argv[0] dispatch).
func runc(t *testing.T, root string, args ...string) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	link := filepath.Join(dir, "skiff-runc")
	if err := os.Symlink(testutil.SkiffBinary(t), link); err != nil {
		t.Fatal(err)
	}
	return exec.Command(link, append([]string{"--root", root, "--data-dir", dir}, args...)...)
}

func cleanupContainer(t *testing.T, root, id string) {
	t.Cleanup(func() { runc(t, root, "delete", "--force", id).Run() })
}

func TestRuncRunPropagatesExitStatus(t *testing.T) {
	testutil.RequireRoot(t)
	b := bundle(t, func(s *specs.Spec) { s.Process.Args = []string{"sh", "-c", "echo out; echo err >&2; exit 7"} })
	root := t.TempDir()
	cmd := runc(t, root, "run", "--bundle", b, "exit7")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.ProcessState.ExitCode() != 7 || stdout.String() != "out\n" || stderr.String() != "err\n" {
		t.Errorf("exit %d (%v), stdout %q, stderr %q", cmd.ProcessState.ExitCode(), err, stdout.String(), stderr.String())
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Error("runc run left state behind")
	}
}

func TestRunForwardsSignals(t *testing.T) {
	testutil.RequireRoot(t)
	rootfs := filepath.Join(t.TempDir(), "rootfs")
	testutil.BusyboxRootfs(t, rootfs)
	root := t.TempDir()
	cmd := exec.Command(testutil.SkiffBinary(t), "--root", root, "--data-dir", t.TempDir(), "run", "--rootfs", rootfs, "--rm", "--name", "sig", "--",
		"sh", "-c", `trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done`)
	out := &syncBuffer{}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cleanupContainer(t, root, "sig")
	waitUntil(t, func() bool { return strings.Contains(out.String(), "ready") })
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 42 {
		t.Errorf("exit %d, want 42 (the container's TERM trap)", code)
	}
}

func TestLifecycleCommandsAndStateJSON(t *testing.T) {
	testutil.RequireRoot(t)
	b := bundle(t, func(s *specs.Spec) { s.Process.Args = []string{"sleep", "60"} })
	root := t.TempDir()
	pidFile := filepath.Join(t.TempDir(), "pid")
	cleanupContainer(t, root, "cli")
	mustRun(t, runc(t, root, "create", "--bundle", b, "--pid-file", pidFile, "cli"))
	var st specs.State
	if err := json.Unmarshal(mustRun(t, runc(t, root, "state", "cli")), &st); err != nil {
		t.Fatal(err)
	}
	pid, _ := os.ReadFile(pidFile)
	if st.Status != "created" || st.Pid == 0 || strings.TrimSpace(string(pid)) != string(pid) {
		t.Fatalf("state %+v, pid file %q", st, pid)
	}
	mustRun(t, runc(t, root, "start", "cli"))
	if out := runc(t, root, "delete", "cli"); out.Run() == nil {
		t.Error("delete of a running container without --force succeeded")
	}
	mustRun(t, runc(t, root, "kill", "cli", "KILL"))
	waitUntil(t, func() bool { return strings.Contains(string(mustRun(t, runc(t, root, "state", "cli"))), `"stopped"`) })
	mustRun(t, runc(t, root, "delete", "cli"))
	if err := runc(t, root, "state", "cli").Run(); err == nil {
		t.Error("state of a deleted container succeeded")
	}
}

func TestConsoleSocketReceivesPty(t *testing.T) {
	testutil.RequireRoot(t)
	b := bundle(t, func(s *specs.Spec) {
		s.Process.Terminal = true
		s.Process.Args = []string{"sh", "-c", "echo tty=$(tty)"}
	})
	root := t.TempDir()
	sock := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	masters := make(chan *os.File, 1)
	go func() { masters <- acceptPty(ln) }()
	cleanupContainer(t, root, "tty")
	mustRun(t, runc(t, root, "create", "--bundle", b, "--console-socket", sock, "tty"))
	master := <-masters
	if master == nil {
		t.Fatal("no pty received on the console socket")
	}
	defer master.Close()
	mustRun(t, runc(t, root, "start", "tty"))
	buf := make([]byte, 256)
	master.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := master.Read(buf)
	if !strings.Contains(string(buf[:n]), "tty=/dev/pts/") {
		t.Errorf("read %q from the pty, want tty=/dev/pts/N", buf[:n])
	}
}

func acceptPty(ln *net.UnixListener) *os.File {
	conn, err := ln.AcceptUnix()
	if err != nil {
		return nil
	}
	defer conn.Close()
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := conn.ReadMsgUnix(make([]byte, 1024), oob)
	if err != nil {
		return nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil
	}
	return os.NewFile(uintptr(fds[0]), "pty-master")
}

func TestBadFlagsAndInput(t *testing.T) {
	bin := testutil.SkiffBinary(t)
	root := t.TempDir()
	for _, args := range [][]string{
		{"--root", root, "--log-format", "xml", "list"},
		{"--root", root, "kill", "x", "BOGUS"},
		{"--root", root, "runc", "--systemd-cgroup", "list"},
		{"--root", root, "--data-dir", t.TempDir(), "run", "--rootfs", "/nonexistent", "--", "true"},
		{"--root", root, "create", "--bundle", t.TempDir(), "a/b"},
	} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err == nil || len(bytes.TrimSpace(out)) == 0 || bytes.Contains(out, []byte("goroutine")) {
			t.Errorf("skiff %v: err %v, output %q: want a one-line error", args, err, out)
		}
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("bad input left %d entries in the root: %s", len(entries), entries[0].Name())
	}
}

// mustRun runs cmd with its output going to files, not pipes: a created
// container inherits create's stdio, so a pipe would never reach EOF.
func mustRun(t *testing.T, cmd *exec.Cmd) []byte {
	t.Helper()
	dir := t.TempDir()
	stdout, _ := os.Create(filepath.Join(dir, "stdout"))
	stderr, _ := os.Create(filepath.Join(dir, "stderr"))
	defer stdout.Close()
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	out, _ := os.ReadFile(stdout.Name())
	if err != nil {
		errOut, _ := os.ReadFile(stderr.Name())
		t.Fatalf("%v: %v\n%s", cmd.Args, err, errOut)
	}
	return out
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition never held")
}

// containerd's shim shows the msg of the last {"level":"error"} line of the
// runtime's --log file: the level must be written as runc writes it.
func TestJSONLogLinesReadAsRuncs(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log.json")
	if err := runc(t, t.TempDir(), "--log", log, "--log-format", "json", "state", "nosuch").Run(); err == nil {
		t.Fatal("state of a missing container succeeded")
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var line struct{ Level, Msg string }
	if err := json.Unmarshal(bytes.TrimSpace(data), &line); err != nil || line.Level != "error" || !strings.Contains(line.Msg, "nosuch") {
		t.Errorf("log %q (%v): want one JSON line with level \"error\" and the message", data, err)
	}
}
