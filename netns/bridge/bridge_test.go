package bridge

import (
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/skiffrun/skiff/netns"
	"github.com/skiffrun/skiff/netns/explain"
)

func tempNetns(t *testing.T, dir, name string) string {
	t.Helper()
	path, err := netns.Create(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netns.Remove(path) })
	return path
}

func TestBridgeVethConfigure(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces, a bridge and veths in them")
	}
	dir := t.TempDir()
	hostNS, ctrNS := tempNetns(t, dir, "host"), tempNetns(t, dir, "ctr")
	var rec explain.Recorder
	h, err := OpenHost(hostNS, rec.Func())
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	gw := netip.MustParsePrefix("10.199.0.1/24")
	created, err := h.EnsureBridge("skiff0", gw, 1400)
	if err != nil || !created {
		t.Fatalf("EnsureBridge = %v, %v", created, err)
	}
	if again, err := h.EnsureBridge("skiff0", gw, 1400); err != nil || again {
		t.Fatalf("second EnsureBridge = %v, %v", again, err)
	}
	if err := h.AddVeth("vethtest", "skiff0", 1400, ctrNS); err != nil {
		t.Fatal(err)
	}
	c, err := OpenContainer(ctrNS, rec.Func())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.LoopbackUp(); err != nil {
		t.Fatal(err)
	}
	if err := c.Configure(netip.MustParsePrefix("10.199.0.2/24"), gw.Addr()); err != nil {
		t.Fatal(err)
	}
	routes, err := h.Routes()
	if err != nil || len(routes) != 1 || routes[0].Dst.String() != "10.199.0.0/24" || routes[0].Dev != "skiff0" {
		t.Fatalf("host routes = %v, %v", routes, err)
	}
	out, err := exec.Command("nsenter", "--net="+ctrNS, "/bin/busybox", "ping", "-c1", "-W2", "10.199.0.1").CombinedOutput()
	if err != nil {
		t.Fatalf("ping gateway from the container: %v\n%s\nexplained:\n%s", err, out, strings.Join(rec.Cmds, "\n"))
	}
	out, _ = exec.Command("nsenter", "--net="+ctrNS, "/bin/busybox", "ip", "link", "show", "eth0").CombinedOutput()
	if !strings.Contains(string(out), "mtu 1400") {
		t.Fatalf("eth0 inside: %s", out)
	}
	if !strings.Contains(strings.Join(rec.Cmds, "\n"), "nsenter --net="+ctrNS+" ip route add default via 10.199.0.1 dev eth0") {
		t.Fatalf("explained:\n%s", strings.Join(rec.Cmds, "\n"))
	}
	if err := h.DeleteLink("vethtest"); err != nil {
		t.Fatal(err)
	}
	if err := h.DeleteLink("vethtest"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if err := h.DeleteLink("skiff0"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := h.LinkExists("skiff0"); ok {
		t.Fatal("bridge still there")
	}
}
