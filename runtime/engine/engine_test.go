package engine_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/internal/testutil"
	"github.com/skiffrun/skiff/netns"
	"github.com/skiffrun/skiff/netns/network"
	"github.com/skiffrun/skiff/runtime/container"
	"github.com/skiffrun/skiff/runtime/engine"
)

func TestMain(m *testing.M) { os.Exit(testutil.RunNested(m, "skiff-test")) }

// env is one test's engine: temporary root and data dir, and a network
// manager whose "host" is a network namespace the test made.
type env struct {
	e       *engine.Engine
	root    string
	data    string
	hostNS  string
	out     *os.File
	outPath string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	testutil.RequireRoot(t)
	if _, err := os.Stat(testutil.Busybox); err != nil {
		t.Skip("needs /bin/busybox (apt-get install busybox-static)")
	}
	for _, tool := range []string{"nsenter", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (apt-get install util-linux iproute2)", tool)
		}
	}
	dir := t.TempDir()
	v := &env{root: filepath.Join(dir, "run"), data: filepath.Join(dir, "lib")}
	var err error
	if v.hostNS, err = netns.Create(filepath.Join(dir, "netns"), "host"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netns.Remove(v.hostNS) })
	setLoUp(t, v.hostNS)
	net, err := network.New(network.Config{StateDir: filepath.Join(v.root, "net"), ConfigDir: filepath.Join(v.data, "networks"), HostNS: v.hostNS})
	if err != nil {
		t.Fatal(err)
	}
	v.outPath = filepath.Join(dir, "out")
	if v.out, err = os.Create(v.outPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.out.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt := &container.Runtime{Root: v.root, Self: testutil.SkiffBinary(t), CgroupParent: os.Getenv("SKIFF_CGROUP_PARENT"), Log: log}
	v.e = engine.New(engine.Config{Runtime: rt, DataDir: v.data, Network: net, Log: log, Stdout: v.out, Stderr: v.out})
	t.Cleanup(func() { v.removeAll(t) })
	return v
}

func setLoUp(t *testing.T, ns string) {
	h, err := vnetns.GetFromPath(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	nl, err := netlink.NewHandleAt(h, unix.NETLINK_ROUTE) // route only: kernels without xfrm refuse the rest
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	lo, err := nl.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := nl.LinkSetUp(lo); err != nil {
		t.Fatal(err)
	}
}

// removeAll removes what a test left and checks that nothing remains of
// the containers: state, snapshots, files, links in the host namespace.
func (v *env) removeAll(t *testing.T) {
	infos, _ := v.e.List(true)
	for _, i := range infos {
		v.e.Remove(context.Background(), i.ID, true)
	}
	for _, dir := range []string{filepath.Join(v.data, "containers"), filepath.Join(v.data, "snapshots", "containers")} {
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: %d entries left", dir, len(entries))
		}
	}
	// A container's network namespace, and with it the host end of its
	// veth, is destroyed by the kernel in the background: give it time.
	var out []byte
	for i := 0; i < 100; i++ {
		if out, _ = exec.Command("nsenter", "--net="+v.hostNS, "ip", "-o", "link").Output(); strings.Count(string(out), "\n") <= 1 {
			return
		}
		time.Sleep(30 * time.Millisecond)
	}
	t.Errorf("links left in the host namespace:\n%s", out)
}

func (v *env) output() string {
	data, _ := os.ReadFile(v.outPath)
	return string(data)
}

func TestRunBusyboxOffline(t *testing.T) {
	v := newEnv(t)
	_, code, err := v.e.Run(context.Background(), engine.RunConfig{Image: "busybox", Cmd: []string{"sh", "-c", "echo hi from $(hostname); id -u"}, Hostname: "box", Network: "none", Remove: true})
	if err != nil || code != 0 {
		t.Fatalf("run: exit %d, %v", code, err)
	}
	if out := v.output(); out != "hi from box\n0\n" {
		t.Errorf("output %q", out)
	}
	if infos, _ := v.e.List(true); len(infos) != 0 {
		t.Errorf("--rm left %d containers", len(infos))
	}
}

func TestVolumesAndReadOnly(t *testing.T) {
	v := newEnv(t)
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "in"), []byte("from host\n"), 0o644)
	_, code, err := v.e.Run(context.Background(), engine.RunConfig{Image: "busybox", Network: "none", Remove: true, ReadOnly: true,
		Volumes: []string{host + ":/test", host + ":/ro:ro", "named:/named"},
		Cmd:     []string{"sh", "-c", "cat /test/in; echo out > /test/out; echo x > /ro/x || echo ro refused; echo y > /etc/y || echo root refused; echo kept > /named/f"}})
	if err != nil || code != 0 {
		t.Fatalf("run: exit %d, %v: %s", code, err, v.output())
	}
	out := v.output()
	for _, want := range []string{"from host", "ro refused", "root refused"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(host, "out")); string(data) != "out\n" {
		t.Errorf("write through the bind mount: %q", data)
	}
	if data, _ := os.ReadFile(filepath.Join(v.data, "volumes", "named", "_data", "f")); string(data) != "kept\n" {
		t.Errorf("named volume: %q", data)
	}
}

func TestDetachedLogsStopRemove(t *testing.T) {
	v := newEnv(t)
	ctx := context.Background()
	id, _, err := v.e.Run(ctx, engine.RunConfig{Name: "bg", Image: "busybox", Network: "none", Detach: true, Cmd: []string{"sh", "-c", "echo started; exec sleep 60"}})
	if err != nil || id != "bg" {
		t.Fatalf("run -d: %q, %v", id, err)
	}
	var logs bytes.Buffer
	waitFor(t, func() bool {
		logs.Reset()
		v.e.Logs(ctx, "bg", false, &logs)
		return strings.Contains(logs.String(), "started")
	})
	infos, _ := v.e.List(false)
	if len(infos) != 1 || !strings.HasPrefix(infos[0].Status, "Up") {
		t.Fatalf("ps: %+v", infos)
	}
	if err := v.e.Stop(ctx, "bg", time.Second); err != nil {
		t.Fatal(err)
	}
	// sleep as pid 1 has no TERM handler, so stop ends with SIGKILL: 137.
	waitFor(t, func() bool { infos, _ = v.e.List(true); return len(infos) == 1 && infos[0].Status == "Exited (137)" })
	if err := v.e.Remove(ctx, "bg", false); err != nil {
		t.Fatal(err)
	}
}

func TestMemoryLimitOOMKills(t *testing.T) {
	v := newEnv(t)
	_, code, err := v.e.Run(context.Background(), engine.RunConfig{Image: "busybox", Network: "none", Remove: true,
		Resources: engine.ResourceFlags{Memory: "16m", MemorySwap: "16m"},
		Cmd:       []string{"sh", "-c", "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived"}})
	if err != nil {
		t.Fatal(err)
	}
	if code != 137 || strings.Contains(v.output(), "survived") {
		t.Errorf("exit %d, output %q: want 137 (OOM kill)", code, v.output())
	}
}

func TestPublishedPortAndNames(t *testing.T) {
	v := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := v.e.Run(ctx, engine.RunConfig{Name: "web", Image: "busybox", Ports: []string{"8080:80"}, Remove: true,
			Cmd: []string{"httpd", "-f", "-p", "80", "-h", "/etc"}})
		done <- err
	}()
	var got string
	waitFor(t, func() bool {
		out, _ := exec.Command("nsenter", "--net="+v.hostNS, testutil.Busybox, "wget", "-q", "-O", "-", "http://127.0.0.1:8080/hostname").Output()
		got = string(out)
		return got != ""
	})
	if got != "web\n" {
		t.Errorf("host -> 127.0.0.1:8080 answered %q", got)
	}
	_, code, err := v.e.Run(context.Background(), engine.RunConfig{Image: "busybox", Remove: true, Cmd: []string{"wget", "-q", "-O", "-", "http://web/hostname"}})
	if err != nil || code != 0 || !strings.Contains(v.output(), "web") {
		t.Errorf("container -> web by name: exit %d, %v, output %q", code, err, v.output())
	}
	if err := v.e.Remove(context.Background(), "web", true); err != nil {
		t.Fatal(err)
	}
	<-done
}

func TestBadInputChangesNothing(t *testing.T) {
	v := newEnv(t)
	for name, rc := range map[string]engine.RunConfig{
		"volume":  {Image: "busybox", Cmd: []string{"true"}, Volumes: []string{"relative:x"}},
		"memory":  {Image: "busybox", Cmd: []string{"true"}, Resources: engine.ResourceFlags{Memory: "lots"}},
		"network": {Image: "busybox", Cmd: []string{"true"}, Network: "nosuchnet"},
		"port":    {Image: "busybox", Cmd: []string{"true"}, Ports: []string{"99999:80"}},
		"name":    {Image: "busybox", Cmd: []string{"true"}, Name: "a/b"},
		"image":   {Image: "127.0.0.1:1/nosuch:1", Cmd: []string{"true"}, Network: "none"},
		"program": {Image: "busybox", Cmd: []string{"/no/such/program"}, Network: "none"},
	} {
		if _, _, err := v.e.Run(context.Background(), rc); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if infos, _ := v.e.List(true); len(infos) != 0 {
		t.Errorf("bad input left %d containers", len(infos))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("condition never held")
}
