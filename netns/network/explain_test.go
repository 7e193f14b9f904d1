package network

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExplainReplays checks that --explain tells the whole truth: the
// commands printed while attaching a container in one disposable host,
// replayed with a shell in a second one, give a working container network
// (its published port answers on 127.0.0.1) with the same nftables rules.
func TestExplainReplays(t *testing.T) {
	if _, err := exec.LookPath("sysctl"); err != nil {
		t.Skip("needs sysctl (apt procps) to replay")
	}
	www := t.TempDir()
	os.WriteFile(filepath.Join(www, "index.html"), []byte("replayed\n"), 0o644)
	l1, l2 := newLab(t), newLab(t)
	ns1, ns2 := l1.container("httpd", "-f", "-p", "80", "-h", www), l2.container("httpd", "-f", "-p", "80", "-h", www)
	l1.attach(AttachConfig{ContainerID: "c1", NetnsPath: ns1, Ports: ports(t, "8080:80")})
	if len(l1.rec.Cmds) < 10 {
		t.Fatalf("explained only:\n%s", strings.Join(l1.rec.Cmds, "\n"))
	}
	pid1, pid2 := strings.Split(ns1, "/")[2], strings.Split(ns2, "/")[2]
	swap := strings.NewReplacer(l1.host, l2.host, ns1, ns2, " netns "+pid1, " netns "+pid2)
	for _, cmd := range l1.rec.Cmds {
		if !strings.HasPrefix(cmd, "nsenter --net=") {
			t.Fatalf("%q would run in the machine's own namespace", cmd)
		}
		cmd = swap.Replace(cmd)
		if out, err := exec.Command("sh", "-c", cmd).CombinedOutput(); err != nil {
			t.Fatalf("replay %s: %v\n%s\nall:\n%s\nhost links: %s\nctr links: %s", cmd, err, out, strings.Join(l1.rec.Cmds, "\n"), l2.ip(l2.host, "-o", "link"), l2.ip(ns2, "-o", "link"))
		}
	}
	t.Cleanup(func() {
		run(l2.host, "nft", "delete", "table", "ip", "skiff")
		run(l2.host, "ip", "link", "del", "skiff0")
	})
	if out, err := wget(l2.host, "http://127.0.0.1:8080/"); err != nil || out != "replayed\n" {
		t.Fatalf("published port after replay: %v\n%s", err, out)
	}
	if a, b := nftRuleset(l1), nftRuleset(l2); a != b {
		t.Fatalf("rulesets differ:\n%s\nreplayed:\n%s", a, b)
	}
	l1.m.Detach(context.Background(), quiet, "c1")
}
