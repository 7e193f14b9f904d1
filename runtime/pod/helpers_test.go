package pod

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/image/importer"
	"github.com/skiffrun/skiff/image/store"
	"github.com/skiffrun/skiff/netns"
	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
)

// lab is a disposable host for pods: temporary state and data
// directories holding the busybox image, a network namespace acting as
// the host (bridge, veths, nftables rules go there, never into the
// machine's own) and the test's nested cgroup parent.
type lab struct {
	t    testing.TB
	cfg  Config
	host string
	nft  bool // bridge networking works here (netlink families, nftables)
}

func newLab(t testing.TB) *lab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes namespaces, cgroups, overlay mounts and nftables rules")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (apt busybox-static): the offline image")
	}
	dir := t.TempDir()
	host, err := netns.Create(filepath.Join(dir, "netns"), "host")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netns.Remove(host) })
	l := &lab{t: t, host: host}
	l.inHost(func() error {
		lo, err := netlink.LinkByName("lo")
		if err != nil {
			return err
		}
		return netlink.LinkSetUp(lo)
	})
	l.nft = bridgeWorks(host)
	resolv := filepath.Join(dir, "resolv.conf")
	os.WriteFile(resolv, []byte("nameserver 192.0.2.53\n"), 0o644)
	hosts := filepath.Join(dir, "hosts")
	os.WriteFile(hosts, []byte("127.0.0.1 localhost\n"), 0o644)
	self, _ := os.Executable()
	l.cfg = Config{Root: filepath.Join(dir, "run"), DataDir: filepath.Join(dir, "data"), HostNetns: host,
		CgroupParent: testCgroupParent(), Self: self, ResolvConf: resolv, HostsFile: hosts,
		Backoff: Backoff{Base: 200 * time.Millisecond}}
	st, err := store.Open(filepath.Join(l.cfg.DataDir, "images"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Busybox(context.Background(), st, "/bin/busybox", slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return l
}

// bridgeWorks probes what netns/network needs in the host namespace: a
// netlink handle for every family (the pure cgroup v2 VM's kernel lacks
// some: EPROTONOSUPPORT) and nftables.
func bridgeWorks(host string) bool {
	ns, err := vnetns.GetFromPath(host)
	if err != nil {
		return false
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return false
	}
	h.Close()
	return netns.Do(host, func() error {
		c, err := nftables.New()
		if err == nil {
			_, err = c.ListTables()
		}
		return err
	}) == nil
}

// inHost runs fn on a thread in the lab's host namespace.
func (l *lab) inHost(fn func() error) {
	l.t.Helper()
	if err := netns.Do(l.host, fn); err != nil {
		l.t.Fatal(err)
	}
}

// hostLinks lists the links of the host namespace.
func (l *lab) hostLinks() []string {
	var names []string
	l.inHost(func() error {
		links, err := netlink.LinkList()
		for _, k := range links {
			names = append(names, k.Attrs().Name)
		}
		return err
	})
	return names
}

// hostTables lists the nftables tables of the host namespace.
func (l *lab) hostTables() []string {
	var names []string
	l.inHost(func() error {
		c, err := nftables.New()
		if err != nil {
			return err
		}
		tables, err := c.ListTables()
		for _, t := range tables {
			names = append(names, t.Name)
		}
		return err
	})
	return names
}

// httpGet fetches / from addr, connecting from the host namespace.
func (l *lab) httpGet(addr string) (string, error) {
	var conn net.Conn
	var err error
	l.inHost(func() error {
		conn, err = net.DialTimeout("tcp", addr, 2*time.Second)
		return nil
	})
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.0\r\n\r\n")
	resp, err := io.ReadAll(conn)
	_, body, _ := strings.Cut(string(resp), "\r\n\r\n")
	return body, err
}

// run validates and starts a pod from YAML; the pod is force-removed at
// the end of the test unless the test removed it.
func (l *lab) run(y string) *Status {
	l.t.Helper()
	p := mustPod(l.t, y)
	if !p.Spec.HostNetwork && !l.nft {
		l.t.Skip("bridge networking does not work on this kernel (netlink families or nf_tables missing); see bridgeWorks")
	}
	st, err := Run(context.Background(), l.cfg, p, true)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() {
		if err := ForceRemove(context.Background(), l.cfg, p.Name); err != nil && !errors.Is(err, ErrNotExist) {
			l.t.Errorf("remove pod %s: %v", p.Name, err)
		}
	})
	return st
}

// waitFor polls the pod's status until ok says yes.
func (l *lab) waitFor(name, what string, ok func(*Status) bool) *Status {
	l.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := Get(l.cfg, name)
		if err != nil {
			l.t.Fatal(err)
		}
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("pod %s: timed out waiting for %s; status: %+v\nmonitor log:\n%s", name, what, st, l.monitorLog(name))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *lab) monitorLog(name string) string {
	data, _ := os.ReadFile(filepath.Join(l.cfg.Root, "pods", name, "monitor.log"))
	return string(data)
}

func (l *lab) logs(pod, ctr string, previous bool) string {
	l.t.Helper()
	var buf bytes.Buffer
	if err := Logs(context.Background(), l.cfg, pod, LogOptions{Container: ctr, Previous: previous}, &buf); err != nil {
		l.t.Fatal(err)
	}
	return buf.String()
}

func (l *lab) exec(pod, ctr string, args ...string) (string, int) {
	l.t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		l.t.Fatal(err)
	}
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	code, err := Exec(context.Background(), l.cfg, pod, ExecOptions{Container: ctr, Args: args, Stdout: w, Stderr: w})
	w.Close()
	out := <-done
	if err != nil {
		l.t.Fatalf("exec %v: %v", args, err)
	}
	return string(out), code
}

func running(name string) func(*Status) bool {
	return func(st *Status) bool {
		c, err := st.Container(name)
		return err == nil && c.State == StateRunning
	}
}

func terminal(st *Status) bool { return st.Terminal() }

// trace is what a pod leaves on the host, recorded while it runs.
type trace struct {
	pids    []int
	cgroups map[string]string
}

func (l *lab) trace(name string) trace {
	l.t.Helper()
	var sb Sandbox
	if err := readJSON(Layout{Dir: filepath.Join(l.cfg.Root, "pods", name)}.sandbox(), &sb); err != nil {
		l.t.Fatal(err)
	}
	st, _ := Get(l.cfg, name)
	tr := trace{pids: []int{sb.PausePid, st.MonitorPid}, cgroups: sb.CgroupPaths}
	for _, c := range st.Containers {
		if c.Pid > 0 {
			tr.pids = append(tr.pids, c.Pid)
		}
	}
	return tr
}

// assertClean fails unless nothing of pod name is left: processes, its
// cgroup, mounts, links and nftables tables in the host namespace, state
// and volume directories.
func (l *lab) assertClean(name string, tr trace) {
	l.t.Helper()
	time.Sleep(100 * time.Millisecond)
	for _, pid := range tr.pids {
		if data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && !bytes.Contains(data, []byte(") Z ")) {
			l.t.Errorf("process %d left: %s", pid, data)
		}
	}
	if m, err := cgroups.Load(tr.cgroups, nil); err == nil && m.Exists() {
		l.t.Errorf("pod cgroup left: %v", tr.cgroups)
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(mounts), "\n") {
		if strings.Contains(line, l.cfg.DataDir) || strings.Contains(line, l.cfg.Root) {
			l.t.Errorf("mount left: %s", line)
		}
	}
	var links []string
	for i := 0; i < 100; i++ { // the kernel removes veths asynchronously
		if links = l.hostLinks(); len(links) == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(links) != 1 {
		l.t.Errorf("links left in the host namespace: %v", links)
	}
	if l.nft {
		if tables := l.hostTables(); len(tables) != 0 {
			l.t.Errorf("nftables tables left: %v", tables)
		}
	}
	for _, d := range []string{filepath.Join(l.cfg.Root, "pods", name), filepath.Join(l.cfg.DataDir, "pods", name)} {
		if _, err := os.Stat(d); err == nil {
			l.t.Errorf("directory left: %s", d)
		}
	}
}
