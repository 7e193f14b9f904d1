package container_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/internal/testutil"
	"github.com/skiffrun/skiff/runtime/container"
	"github.com/skiffrun/skiff/runtime/spec"
)

// env is one test's runtime: a temporary root and a busybox rootfs.
type env struct {
	rt     *container.Runtime
	rootfs string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	testutil.RequireRoot(t)
	rootfs := filepath.Join(t.TempDir(), "rootfs")
	testutil.BusyboxRootfs(t, rootfs)
	rt := &container.Runtime{Root: t.TempDir(), Self: testutil.SkiffBinary(t), CgroupParent: os.Getenv(testutil.CgroupParentEnv), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	t.Cleanup(func() { removeAll(t, rt) })
	return &env{rt: rt, rootfs: rootfs}
}

// removeAll force-deletes whatever a test left, and fails the test if it
// had to: every test must clean up after itself.
func removeAll(t *testing.T, rt *container.Runtime) {
	states, _ := container.List(rt.Root)
	for _, st := range states {
		if err := rt.Delete(context.Background(), st.ID, true); err != nil {
			t.Errorf("cleanup %s: %v", st.ID, err)
		}
	}
}

func (e *env) spec(args ...string) *specs.Spec {
	return spec.ForRun(spec.RunOptions{Rootfs: e.rootfs, Args: args, Hostname: "box"})
}

// run runs args in a fresh container and returns its exit status and output.
func (e *env) run(t *testing.T, id string, args ...string) (int, string) {
	t.Helper()
	return e.runSpec(t, id, e.spec(args...))
}

type pipeWriter struct {
	f    *os.File
	done chan struct{}
}

func (p pipeWriter) close() { p.f.Close(); <-p.done }

func pipeTo(t *testing.T, buf *bytes.Buffer) pipeWriter {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { io.Copy(buf, r); r.Close(); close(done) }()
	return pipeWriter{f: w, done: done}
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pidFile := filepath.Join(t.TempDir(), "pid")
	_, err := e.rt.Create(ctx, container.CreateOptions{ID: "life", Spec: e.spec("sleep", "60"), Rootfs: e.rootfs, Bundle: e.rootfs, PidFile: pidFile})
	if err != nil {
		t.Fatal(err)
	}
	st := mustState(t, e, "life", container.Created)
	pid, _ := os.ReadFile(pidFile)
	if string(pid) != fmt.Sprint(st.Pid) {
		t.Errorf("pid file %q, state pid %d (no trailing newline expected)", pid, st.Pid)
	}
	// Created: the init is already inside its own pid namespace.
	if ns(t, st.Pid, "pid") == ns(t, os.Getpid(), "pid") {
		t.Error("created init is in the host's pid namespace")
	}
	if err := e.rt.Start(ctx, "life"); err != nil {
		t.Fatal(err)
	}
	mustState(t, e, "life", container.Running)
	if err := e.rt.Start(ctx, "life"); !errors.Is(err, container.ErrState) {
		t.Errorf("second start: %v, want ErrState", err)
	}
	if err := e.rt.Delete(ctx, "life", false); !errors.Is(err, container.ErrState) {
		t.Errorf("delete running without force: %v, want ErrState", err)
	}
	if err := e.rt.Kill(ctx, "life", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, e, "life", container.Stopped)
	if err := e.rt.Delete(ctx, "life", false); err != nil {
		t.Fatal(err)
	}
	if _, err := container.Load(e.rt.Root, "life"); !errors.Is(err, container.ErrNotExist) {
		t.Errorf("after delete: %v, want ErrNotExist", err)
	}
}

func mustState(t *testing.T, e *env, id, want string) *container.State {
	t.Helper()
	st, err := container.Load(e.rt.Root, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Status(); got != want {
		t.Fatalf("status %s, want %s", got, want)
	}
	return st
}

func waitStatus(t *testing.T, e *env, id, want string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		st, err := container.Load(e.rt.Root, id)
		if err == nil && st.Status() == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never became %s", id, want)
}

func ns(t *testing.T, pid int, kind string) string {
	t.Helper()
	link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, kind))
	if err != nil {
		t.Fatal(err)
	}
	return link
}

func TestIsolationSeenFromInside(t *testing.T) {
	e := newEnv(t)
	script := `echo pid=$$; echo host=$(hostname); echo procs=$(ls /proc | grep -c '^[0-9]'); ` +
		`echo links=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ,); ` +
		`echo mounts=$(cut -d' ' -f2 /proc/mounts | tr '\n' ,)`
	code, out := e.run(t, "iso", "sh", "-c", script)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{"pid=1\n", "host=box\n", "links=lo,\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// sh, its subshell, ls and grep: only the container's own processes.
	var procs int
	fmt.Sscanf(out[strings.Index(out, "procs="):], "procs=%d", &procs)
	if procs < 1 || procs > 4 {
		t.Errorf("the container sees foreign processes:\n%s", out)
	}
	wd, _ := os.Getwd()
	if strings.Contains(out, wd) || strings.Contains(out, e.rootfs) {
		t.Errorf("host mounts visible inside:\n%s", out)
	}
}

func TestExitCodes(t *testing.T) {
	e := newEnv(t)
	// pid 1 ignores signals it has no handler for, even TERM from inside.
	for args, want := range map[string]int{"exit 0": 0, "exit 3": 3, "kill -TERM $$; exit 9": 9} {
		code, out := e.run(t, "exit", "sh", "-c", args)
		if code != want {
			t.Errorf("%q: exit %d, want %d (%s)", args, code, want, out)
		}
	}
}

func TestKilledContainerExits128PlusSignal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	codes := make(chan int, 1)
	go func() {
		code, err := e.rt.Run(ctx, container.RunOptions{
			CreateOptions: container.CreateOptions{ID: "killed", Spec: e.spec("sleep", "60"), Rootfs: e.rootfs, Bundle: e.rootfs},
			Remove:        true,
		})
		if err != nil {
			t.Error(err)
		}
		codes <- code
	}()
	waitStatus(t, e, "killed", container.Running)
	if err := e.rt.Kill(ctx, "killed", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := <-codes; code != 137 {
		t.Errorf("exit %d, want 137", code)
	}
}

func TestSeveralContainersAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ids := []string{"multi-a", "multi-b", "multi-c"}
	for _, id := range ids {
		if _, err := e.rt.Create(ctx, container.CreateOptions{ID: id, Spec: e.spec("sleep", "60"), Rootfs: e.rootfs, Bundle: e.rootfs}); err != nil {
			t.Fatal(err)
		}
		if err := e.rt.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	states, err := container.List(e.rt.Root)
	if err != nil || len(states) != 3 {
		t.Fatalf("list: %d containers, %v", len(states), err)
	}
	seen := map[string]bool{}
	for _, st := range states {
		if st.Status() != container.Running {
			t.Errorf("%s is %s", st.ID, st.Status())
		}
		seen[ns(t, st.Pid, "net")] = true
	}
	if len(seen) != 3 {
		t.Error("containers share a network namespace")
	}
	for _, id := range ids {
		if err := e.rt.Delete(ctx, id, true); err != nil {
			t.Error(err)
		}
	}
}

func TestBadInputLeavesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good := container.CreateOptions{ID: "dup", Spec: e.spec("sleep", "60"), Rootfs: e.rootfs, Bundle: e.rootfs}
	if _, err := e.rt.Create(ctx, good); err != nil {
		t.Fatal(err)
	}
	bad := map[string]struct {
		opts container.CreateOptions
		want error
	}{
		"duplicate": {good, container.ErrExist},
		"slash":     {container.CreateOptions{ID: "a/b", Spec: e.spec("true"), Rootfs: e.rootfs}, container.ErrBadID},
		"dotdot":    {container.CreateOptions{ID: "..", Spec: e.spec("true"), Rootfs: e.rootfs}, container.ErrBadID},
		"no config": {container.CreateOptions{ID: "nocfg", Bundle: t.TempDir()}, nil},
		"bad ns": {container.CreateOptions{ID: "badns", Rootfs: e.rootfs, Spec: func() *specs.Spec {
			s := e.spec("true")
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "bogus"})
			return s
		}()}, spec.ErrInvalid},
		"no program": {container.CreateOptions{ID: "noprog", Spec: e.spec("/no/such/program"), Rootfs: e.rootfs, Bundle: e.rootfs}, nil},
		// above any fs.nr_open: the init's setrlimit fails, which must fail
		// create (podman's default ulimits hit this), not the program later
		"rlimit": {container.CreateOptions{ID: "rlimit", Spec: func() *specs.Spec {
			s := e.spec("true")
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1 << 62, Soft: 1 << 62}}
			return s
		}(), Rootfs: e.rootfs, Bundle: e.rootfs}, nil},
	}
	for name, tc := range bad {
		_, err := e.rt.Create(ctx, tc.opts)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
		t.Logf("%s: %v", name, err)
	}
	if err := e.rt.Start(ctx, "nosuch"); !errors.Is(err, container.ErrNotExist) {
		t.Errorf("start of a missing container: %v", err)
	}
	if err := e.rt.Delete(ctx, "nosuch", false); !errors.Is(err, container.ErrNotExist) {
		t.Errorf("delete of a missing container: %v", err)
	}
	if err := e.rt.Delete(ctx, "nosuch", true); err != nil {
		t.Errorf("delete --force of a missing container (runc: success): %v", err)
	}
	states, _ := container.List(e.rt.Root)
	if len(states) != 1 || states[0].ID != "dup" {
		t.Errorf("bad input left state behind: %d containers", len(states))
	}
	if err := e.rt.Delete(ctx, "dup", false); err != nil {
		t.Errorf("delete of a created container: %v", err)
	}
}

func TestSetupErrorIsReported(t *testing.T) {
	e := newEnv(t)
	s := e.spec("true")
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Type: "bind", Source: "/no/such/dir", Options: []string{"rbind"}})
	_, err := e.rt.Create(context.Background(), container.CreateOptions{ID: "seterr", Spec: s, Rootfs: e.rootfs, Bundle: e.rootfs})
	if err == nil || !strings.Contains(err.Error(), "/no/such/dir") || strings.Contains(err.Error(), "exit status") {
		t.Fatalf("err = %v, want the init's own message naming /no/such/dir", err)
	}
}

// TestCrashRecovery kills the runtime in the middle of create, then checks
// that delete --force removes everything, and that the orphaned init exits.
func TestCrashRecovery(t *testing.T) {
	e := newEnv(t)
	bundle := t.TempDir()
	s := e.spec("sleep", "60")
	writeBundle(t, bundle, s)
	bin := testutil.SkiffBinary(t)
	for _, stage := range []string{"during create", "after create"} {
		id := "crash-" + strings.ReplaceAll(stage, " ", "-")
		cmd := exec.Command(bin, "--root", e.rt.Root, "create", "--bundle", bundle, id)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if stage == "during create" {
			waitFor(t, func() bool { _, err := os.Stat(filepath.Join(e.rt.Root, id)); return err == nil })
			cmd.Process.Kill()
		}
		cmd.Wait()
		if err := e.rt.Delete(context.Background(), id, true); err != nil {
			t.Fatalf("%s: delete --force: %v", stage, err)
		}
		if _, err := os.Stat(filepath.Join(e.rt.Root, id)); !os.IsNotExist(err) {
			t.Errorf("%s: state directory left", stage)
		}
		waitFor(t, func() bool { return !initRunning(id) })
	}
}

func writeBundle(t *testing.T, dir string, s *specs.Spec) {
	t.Helper()
	data, err := jsonMarshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition never held")
}

// initRunning reports whether a "skiff init ID" process exists.
func initRunning(id string) bool {
	matches, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, m := range matches {
		data, _ := os.ReadFile(m)
		if bytes.HasSuffix(data, []byte("\x00init\x00"+id+"\x00")) {
			return true
		}
	}
	return false
}

func TestExecJoinsTheContainer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.rt.Create(ctx, container.CreateOptions{ID: "ex", Spec: e.spec("sleep", "60"), Rootfs: e.rootfs, Bundle: e.rootfs}); err != nil {
		t.Fatal(err)
	}
	if err := e.rt.Start(ctx, "ex"); err != nil {
		t.Fatal(err)
	}
	st := mustState(t, e, "ex", container.Running)
	var out bytes.Buffer
	w := pipeTo(t, &out)
	p := *st.Spec.Process
	p.Args = []string{"sh", "-c", "echo host=$(hostname); ls /proc/1/ns >/dev/null && readlink /proc/self/ns/net; exit 5"}
	code, err := e.rt.Exec(ctx, "ex", container.ExecOptions{Process: &p, Stdout: w.f, Stderr: w.f})
	w.close()
	if err != nil {
		t.Fatal(err)
	}
	if code != 5 || !strings.Contains(out.String(), "host=box") || !strings.Contains(out.String(), ns(t, st.Pid, "net")) {
		t.Errorf("exec: exit %d, output %q; want 5, the container's hostname and net namespace", code, out.String())
	}
	if err := e.rt.Pause(ctx, "ex"); err != nil {
		t.Fatal(err)
	}
	mustState(t, e, "ex", container.Paused)
	if _, err := e.rt.Exec(ctx, "ex", container.ExecOptions{Process: &p}); !errors.Is(err, container.ErrState) {
		t.Errorf("exec in a paused container: %v, want ErrState", err)
	}
	if err := e.rt.Resume(ctx, "ex"); err != nil {
		t.Fatal(err)
	}
	mustState(t, e, "ex", container.Running)
}

func TestStatsProcessesUpdate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.spec("sh", "-c", "sleep 60 & sleep 60")
	limit := int64(64 << 20)
	s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}
	if _, err := e.rt.Create(ctx, container.CreateOptions{ID: "res", Spec: s, Rootfs: e.rootfs, Bundle: e.rootfs}); err != nil {
		t.Fatal(err)
	}
	if err := e.rt.Start(ctx, "res"); err != nil {
		t.Fatal(err)
	}
	// sh runs the first sleep in the background and execs the second.
	waitFor(t, func() bool { pids, _ := e.rt.Processes("res"); return len(pids) == 2 })
	st, err := e.rt.Stats("res")
	if err != nil || st.Memory.Limit != uint64(limit) || st.Pids.Current != 2 || st.Memory.Usage == 0 {
		t.Fatalf("stats = %+v, %v", st, err)
	}
	pids := int64(10)
	if err := e.rt.Update(ctx, "res", &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &pids}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.rt.Stats("res"); st.Pids.Limit != 10 {
		t.Errorf("pids limit after update: %d", st.Pids.Limit)
	}
	loaded, _ := container.Load(e.rt.Root, "res")
	if loaded.Spec.Linux.Resources.Pids == nil || loaded.Spec.Linux.Resources.Memory == nil {
		t.Errorf("update not recorded with the old limits kept: %+v", loaded.Spec.Linux.Resources)
	}
}

func TestUserNamespaceMapsRootToAnUnprivilegedUID(t *testing.T) {
	e := newEnv(t)
	s := userNamespaceSpec(t, e, "sh", "-c", "id -u; cat /proc/self/uid_map; touch /tmp/ok && echo wrote")
	code, out := e.runSpec(t, "userns", s)
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, out)
	}
	if fields := strings.Fields(out); len(fields) < 5 || fields[0] != "0" || fields[2] != "100000" || fields[4] != "wrote" {
		t.Errorf("output %q: want uid 0 inside, mapped to host uid 100000", out)
	}
}

// userNamespaceSpec runs args as root of a new user namespace, uid 100000
// on the host, which owns the rootfs.
func userNamespaceSpec(t *testing.T, e *env, args ...string) *specs.Spec {
	t.Helper()
	const host = 100000
	// Root of the container is uid 100000 on the host: it must be able to
	// reach its rootfs through the test's private temporary directories.
	for dir := filepath.Dir(e.rootfs); dir != os.TempDir() && dir != "/"; dir = filepath.Dir(dir) {
		os.Chmod(dir, 0o755)
	}
	err := filepath.Walk(e.rootfs, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, host, host)
	})
	if err != nil {
		t.Fatal(err)
	}
	s := e.spec(args...)
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: host, Size: 65536}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: host, Size: 65536}}
	return s
}

// A bind source the container's root cannot reach on the host (here in a
// 0700 directory, as podman's run root is) is still mounted: the runtime
// clones it with open_tree as real root and the init moves it in.
func TestUserNamespaceMountsSourcesItCannotReach(t *testing.T) {
	e := newEnv(t)
	s := userNamespaceSpec(t, e, "cat", "/mnt/secret")
	private := t.TempDir()
	secret := filepath.Join(private, "secret")
	if err := os.WriteFile(secret, []byte("reached\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt/secret", Type: "bind", Source: secret, Options: []string{"bind", "ro"}})
	if code, out := e.runSpec(t, "userns-bind", s); code != 0 || out != "reached\n" {
		t.Errorf("inside: exit %d, output %q, want the file's content", code, out)
	}
}

func TestJoinNamespacesByPath(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.rt.Create(ctx, container.CreateOptions{ID: "owner", Spec: e.spec("sleep", "60"), Rootfs: e.rootfs, Bundle: e.rootfs}); err != nil {
		t.Fatal(err)
	}
	owner := mustState(t, e, "owner", container.Created)
	s := e.spec("sleep", "60")
	for i, ns := range s.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace || ns.Type == specs.IPCNamespace {
			s.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/%s", owner.Pid, map[specs.LinuxNamespaceType]string{specs.NetworkNamespace: "net", specs.IPCNamespace: "ipc"}[ns.Type])
		}
	}
	if _, err := e.rt.Create(ctx, container.CreateOptions{ID: "joiner", Spec: s, Rootfs: e.rootfs, Bundle: e.rootfs}); err != nil {
		t.Fatal(err)
	}
	joiner := mustState(t, e, "joiner", container.Created)
	for _, kind := range []string{"net", "ipc"} {
		if ns(t, joiner.Pid, kind) != ns(t, owner.Pid, kind) {
			t.Errorf("%s namespace not joined", kind)
		}
	}
	if ns(t, joiner.Pid, "uts") == ns(t, owner.Pid, "uts") {
		t.Error("uts namespace shared although not asked")
	}
}

// The device rules (devices.allow/deny on cgroup v1, an eBPF program on
// v2) refuse a node that is not among the container's devices. The
// container makes a node for /dev/kmsg (c 1:11) and writes to it: opening
// kmsg write-only needs no privilege, so only the rules can refuse it. The
// same container without device rules is the control: there the write
// works (a debug-level line in the kernel log).
func TestDeviceRulesDenyUnlistedNodes(t *testing.T) {
	e := newEnv(t)
	script := "mknod /tmp/kmsg c 1 11 && echo '<7>skiff: device rules test' > /tmp/kmsg && echo kmsg-ok; " +
		"head -c1 /dev/zero | wc -c; echo > /dev/null && echo null-ok"
	run := func(id string, rules bool) string {
		s := e.spec("sh", "-c", script)
		s.Linux.Seccomp = nil
		for _, set := range []*[]string{&s.Process.Capabilities.Bounding, &s.Process.Capabilities.Effective, &s.Process.Capabilities.Permitted} {
			*set = append(*set, "CAP_MKNOD")
		}
		if !rules {
			s.Linux.Resources.Devices = nil
		}
		_, out := e.runSpec(t, id, s)
		return out
	}
	if out := run("devices", true); !strings.Contains(out, "Operation not permitted") || strings.Contains(out, "kmsg-ok") ||
		!strings.Contains(out, "1\nnull-ok") {
		t.Errorf("with device rules: %q, want the kmsg node refused and /dev/zero, /dev/null usable", out)
	}
	if out := run("devices-none", false); !strings.Contains(out, "kmsg-ok") {
		t.Errorf("without device rules: %q, want the kmsg write to work (control)", out)
	}
}

func TestNoMountNamespaceOnlyChroots(t *testing.T) {
	e := newEnv(t)
	rootBefore := rootMount(t)
	s := e.spec("sh", "-c", "test -x /bin/busybox && echo inside")
	s.Mounts = nil
	s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
	var kept []specs.LinuxNamespace
	for _, n := range s.Linux.Namespaces {
		if n.Type != specs.MountNamespace && n.Type != specs.CgroupNamespace {
			kept = append(kept, n)
		}
	}
	s.Linux.Namespaces = kept
	code, out := e.runSpec(t, "nomnt", s)
	if code != 0 || out != "inside\n" {
		t.Fatalf("run without a mount namespace: exit %d, %q", code, out)
	}
	// Other packages' tests mount things at the same time: look only at
	// what this container could have changed, our / and its rootfs.
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if rootMount(t) != rootBefore || bytes.Contains(mounts, []byte(e.rootfs)) {
		t.Error("a container sharing our mount namespace changed our mounts")
	}
}

// rootMount returns the mountinfo line of this process's /.
func rootMount(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == "/" {
			return line
		}
	}
	return ""
}

func TestSharedRootfsPropagation(t *testing.T) {
	e := newEnv(t)
	s := e.spec("sh", "-c", "grep -c shared: /proc/self/mountinfo >/dev/null && echo shared")
	s.Linux.RootfsPropagation = "rshared"
	code, out := e.runSpec(t, "shared", s)
	if code != 0 || out != "shared\n" {
		t.Fatalf("rootfsPropagation rshared: exit %d, %q", code, out)
	}
}

func TestCreatedInitHasItsOwnCgroupNamespace(t *testing.T) {
	e := newEnv(t)
	if _, err := e.rt.Create(context.Background(), container.CreateOptions{ID: "cgns", Spec: e.spec("true"), Rootfs: e.rootfs, Bundle: e.rootfs}); err != nil {
		t.Fatal(err)
	}
	st := mustState(t, e, "cgns", container.Created)
	if ns(t, st.Pid, "cgroup") == ns(t, os.Getpid(), "cgroup") {
		t.Error("the created init (its main thread) is still in our cgroup namespace")
	}
}
