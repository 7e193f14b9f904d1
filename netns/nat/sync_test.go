package nat

import (
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/skiffrun/skiff/netns"
	"github.com/skiffrun/skiff/netns/explain"
)

// testHost creates a disposable network namespace to stand in for the host.
func testHost(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a network namespace and nftables tables in it")
	}
	path, err := netns.Create(t.TempDir(), "host")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netns.Remove(path) })
	return path
}

// nftList runs the nft binary inside ns, as an independent observer.
func nftList(t *testing.T, ns string) string {
	t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("nft binary (apt nftables) needed as an observer")
	}
	out, err := exec.Command("nsenter", "--net="+ns, "nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset: %v: %s", err, out)
	}
	return string(out)
}

func TestSyncAddsRemovesAndDeletesTable(t *testing.T) {
	host := testHost(t)
	c, done, err := Open(host)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	nets := []Network{{Name: "bridge", Bridge: "skiff0", Subnet: netip.MustParsePrefix("10.199.0.0/24")}}
	web, _ := ParsePort("8080:80")
	pubs := []Publish{{ContainerID: "c1", IP: netip.MustParseAddr("10.199.0.2"), Ports: []PortMapping{web}}}

	var rec explain.Recorder
	if err := Sync(c, Rules(nets, pubs), rec.Func()); err != nil {
		t.Fatal(err)
	}
	got := nftList(t, host)
	for _, want := range []string{
		"table ip skiff",
		"type nat hook prerouting priority dstnat",
		`fib daddr type local tcp dport 8080 dnat to 10.199.0.2:80 comment "skiff container c1: -p 8080:80/tcp"`,
		`ip saddr 10.199.0.0/24 oifname != "skiff0" masquerade`,
		`oifname "skiff0" ip saddr 10.199.0.0/24 ct status dnat masquerade`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, got)
		}
	}
	if len(rec.Cmds) != 1+3+7-2 {
		t.Errorf("explained %d commands:\n%s", len(rec.Cmds), strings.Join(rec.Cmds, "\n"))
	}

	// The explained commands, replayed by hand in another namespace, build
	// the same ruleset.
	replay := testHost(t)
	for _, cmd := range rec.Cmds {
		if out, err := exec.Command("nsenter", "--net="+replay, "sh", "-c", cmd).CombinedOutput(); err != nil {
			t.Fatalf("replay %s: %v: %s", cmd, err, out)
		}
	}
	if again := nftList(t, replay); again != got {
		t.Errorf("replayed ruleset differs:\n%s\nwant:\n%s", again, got)
	}

	// Same state again: nothing to do, nothing explained.
	rec.Cmds = nil
	if err := Sync(c, Rules(nets, pubs), rec.Func()); err != nil || len(rec.Cmds) != 0 {
		t.Fatalf("resync: %v, commands %v", err, rec.Cmds)
	}
	// The container goes: only its two rules are deleted.
	if err := Sync(c, Rules(nets, nil), rec.Func()); err != nil {
		t.Fatal(err)
	}
	if len(rec.Cmds) != 2 || !strings.HasPrefix(rec.Cmds[0], "nft delete rule ip skiff") {
		t.Fatalf("removal explained as %v", rec.Cmds)
	}
	if strings.Contains(nftList(t, host), "dnat to") {
		t.Fatalf("dnat rule left after the container went: %v\n%s", rec.Cmds, nftList(t, host))
	}
	// Nothing wanted: the table goes.
	if err := Sync(c, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := nftList(t, host); strings.Contains(got, "skiff") {
		t.Fatalf("table left:\n%s", got)
	}
	if err := Sync(c, nil, nil); err != nil {
		t.Fatalf("second empty sync: %v", err)
	}
}
