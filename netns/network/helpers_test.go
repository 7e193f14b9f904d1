package network

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skiffrun/skiff/netns"
	"github.com/skiffrun/skiff/netns/explain"
	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// lab is a disposable "host" network namespace with a manager bound to it.
// The host has lo up and the address 192.0.2.1/24 (TEST-NET-1) on a veth
// whose peer lives in a third namespace, "outside", at 192.0.2.2: another
// machine on the host's LAN. Nothing touches the machine's own namespace.
type lab struct {
	t       testing.TB
	dir     string
	host    string
	outside string
	m       *Manager
	rec     *explain.Recorder
}

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces, bridges and nftables tables in them")
	}
	for _, bin := range []string{"/bin/busybox", "nsenter", "ip", "nft"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("needs %s (apt busybox-static iproute2 nftables util-linux)", bin)
		}
	}
}

func newLab(t testing.TB) *lab {
	t.Helper()
	needRoot(t)
	l := &lab{t: t, dir: t.TempDir(), rec: &explain.Recorder{}}
	l.host = l.namedNetns("host")
	l.outside = l.namedNetns("outside")
	l.ip(l.host, "link", "set", "lo", "up")
	l.ip(l.host, "link", "add", "lan0", "type", "veth", "peer", "name", "lanpeer")
	l.moveLink("lanpeer", l.outside)
	l.ip(l.outside, "link", "set", "lanpeer", "name", "lan0")
	l.ip(l.host, "addr", "add", "192.0.2.1/24", "dev", "lan0")
	l.ip(l.host, "link", "set", "lan0", "up")
	l.ip(l.outside, "addr", "add", "192.0.2.2/24", "dev", "lan0")
	l.ip(l.outside, "link", "set", "lan0", "up")
	l.ip(l.outside, "link", "set", "lo", "up")
	resolv := filepath.Join(l.dir, "resolv.conf")
	os.WriteFile(resolv, []byte("nameserver 127.0.0.53\nsearch example.test\n"), 0o644)
	hosts := filepath.Join(l.dir, "hosts")
	os.WriteFile(hosts, []byte("127.0.0.1 localhost\n192.0.2.1 testhost\n"), 0o644)
	m, err := New(Config{
		StateDir: filepath.Join(l.dir, "state"), ConfigDir: filepath.Join(l.dir, "networks"),
		HostNS: l.host, ResolvConf: resolv, HostsFile: hosts, Explain: l.rec.Func(),
	})
	if err != nil {
		t.Fatal(err)
	}
	l.m = m
	return l
}

// moveLink moves a link of the host into the namespace at ns (iproute2
// only accepts a PID or a /run/netns name there).
func (l *lab) moveLink(name, ns string) {
	l.t.Helper()
	h, err := vnetns.GetFromPath(l.host)
	if err != nil {
		l.t.Fatal(err)
	}
	defer h.Close()
	nl, err := netlink.NewHandleAt(h)
	if err != nil {
		l.t.Fatal(err)
	}
	defer nl.Close()
	link, err := nl.LinkByName(name)
	if err != nil {
		l.t.Fatal(err)
	}
	f, err := os.Open(ns)
	if err != nil {
		l.t.Fatal(err)
	}
	defer f.Close()
	if err := nl.LinkSetNsFd(link, int(f.Fd())); err != nil {
		l.t.Fatal(err)
	}
}

// namedNetns creates a namespace pinned under the test's temp dir.
func (l *lab) namedNetns(name string) string {
	path, err := netns.Create(filepath.Join(l.dir, "netns"), name)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { netns.Remove(path) })
	return path
}

// run runs a command inside the namespace ns and returns its output.
// It is killed after 10 seconds.
func run(ns string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"--net=" + ns}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (l *lab) ip(ns string, args ...string) string {
	l.t.Helper()
	out, err := run(ns, append([]string{"ip"}, args...)...)
	if err != nil {
		l.t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return out
}

// container starts a busybox process in a new network namespace, as the
// runtime starts a container's init, and returns its /proc/PID/ns/net.
func (l *lab) container(args ...string) string {
	l.t.Helper()
	cmd := exec.Command("/bin/busybox", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/net"
}

// kill ends a container's process and waits until its namespace is gone.
func kill(t testing.TB, nsPath string) {
	pid, _ := strconv.Atoi(strings.Split(nsPath, "/")[2])
	syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(nsPath); err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (l *lab) attach(cfg AttachConfig) *Attachment {
	l.t.Helper()
	a, err := l.m.Attach(context.Background(), quiet, cfg)
	if err != nil {
		l.t.Fatalf("Attach %s: %v\nexplained:\n%s", cfg.ContainerID, err, strings.Join(l.rec.Cmds, "\n"))
	}
	l.t.Cleanup(func() { l.m.Detach(context.Background(), quiet, cfg.ContainerID) })
	return a
}

// assertClean fails unless the host namespace holds only what newLab put
// there: no bridge, no veth, no nftables table, no lease, no record.
func (l *lab) assertClean() {
	l.t.Helper()
	// A dead container's veth is deleted by the kernel when it destroys the
	// namespace, asynchronously: give it a moment.
	links := ""
	for i := 0; i < 200; i++ {
		if links = l.ip(l.host, "-o", "link", "show"); strings.Count(links, "\n") == 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := strings.Count(links, "\n"); n != 2 {
		l.t.Errorf("host links left behind:\n%s", links)
	}
	if addrs := l.ip(l.host, "-o", "-4", "addr", "show"); strings.Count(addrs, "\n") != 2 {
		l.t.Errorf("host addresses left behind:\n%s", addrs)
	}
	tables, err := run(l.host, "nft", "list", "tables")
	if err != nil || strings.TrimSpace(tables) != "" {
		l.t.Errorf("nft tables left behind: %v %s", err, tables)
	}
	leases, _ := filepath.Glob(filepath.Join(l.m.cfg.StateDir, "ipam", "*", "1*"))
	if len(leases) > 0 {
		l.t.Errorf("leases left behind: %v", leases)
	}
	recs, _ := filepath.Glob(filepath.Join(l.m.cfg.StateDir, "containers", "*"))
	if len(recs) > 0 {
		l.t.Errorf("attachment records left behind: %v", recs)
	}
}
