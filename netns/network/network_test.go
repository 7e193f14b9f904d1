package network

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiffrun/skiff/netns/nat"
)

func ports(t *testing.T, specs ...string) []nat.PortMapping {
	var out []nat.PortMapping
	for _, s := range specs {
		p, err := nat.ParsePort(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// wget fetches url from inside ns with busybox wget (whose -T crashes in
// Debian's busybox-static 1.35, so run bounds the time instead).
func wget(ns, url string) (string, error) {
	return run(ns, "/bin/busybox", "wget", "-q", "-O", "-", url)
}

func TestBridgePeersAndPublishedPort(t *testing.T) {
	l := newLab(t)
	www := t.TempDir()
	os.WriteFile(filepath.Join(www, "index.html"), []byte("hello from web\n"), 0o644)
	webNS := l.container("httpd", "-f", "-p", "80", "-h", www)
	cliNS := l.container("sleep", "600")
	webFiles, cliFiles := t.TempDir(), t.TempDir()

	web := l.attach(AttachConfig{ContainerID: "c-web", Name: "web", NetnsPath: webNS,
		Ports: ports(t, "8080:80"), FilesDir: webFiles})
	cli := l.attach(AttachConfig{ContainerID: "c-cli", Name: "cli", NetnsPath: cliNS, FilesDir: cliFiles})
	if web.IP.String() != "10.199.0.2/24" || cli.IP.String() != "10.199.0.3/24" || web.Gateway.String() != "10.199.0.1" {
		t.Fatalf("addresses: web %s cli %s gw %s", web.IP, cli.IP, web.Gateway)
	}

	t.Run("by IP over the bridge", func(t *testing.T) {
		if out, err := run(cliNS, "/bin/busybox", "ping", "-c1", "-W2", "10.199.0.2"); err != nil {
			t.Fatalf("ping web from cli: %v\n%s", err, out)
		}
	})
	t.Run("by name through the hosts file", func(t *testing.T) {
		hosts, _ := os.ReadFile(filepath.Join(cliFiles, "hosts"))
		if !strings.Contains(string(hosts), "10.199.0.2\tweb c-web\n") {
			t.Fatalf("cli's hosts:\n%s", hosts)
		}
		// web attached first: its file was rewritten when cli joined.
		hosts, _ = os.ReadFile(filepath.Join(webFiles, "hosts"))
		if !strings.Contains(string(hosts), "10.199.0.3\tcli c-cli\n") {
			t.Fatalf("web's hosts was not updated:\n%s", hosts)
		}
		// As the runtime would: bind-mount the file in a private mount
		// namespace and resolve the name.
		script := "mount --bind " + filepath.Join(cliFiles, "hosts") + " /etc/hosts && exec /bin/busybox wget -q -O - http://web/"
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "unshare", "-m", "--propagation", "private", "nsenter", "--net="+cliNS, "sh", "-c", script).CombinedOutput()
		if err != nil || string(out) != "hello from web\n" {
			t.Fatalf("wget http://web/ from cli: %v\n%s", err, out)
		}
	})
	t.Run("files", func(t *testing.T) {
		resolv, _ := os.ReadFile(filepath.Join(cliFiles, "resolv.conf"))
		if strings.Contains(string(resolv), "127.0.0.53") || !strings.Contains(string(resolv), "search example.test") {
			t.Fatalf("resolv.conf:\n%s", resolv)
		}
		if name, _ := os.ReadFile(filepath.Join(cliFiles, "hostname")); string(name) != "c-cli\n" {
			t.Fatalf("hostname %q", name)
		}
	})
	for _, c := range []struct{ name, ns, url string }{
		{"from the host by its address", l.host, "http://192.0.2.1:8080/"},
		{"from the host by 127.0.0.1", l.host, "http://127.0.0.1:8080/"},
		{"from another machine", l.outside, "http://192.0.2.1:8080/"},
		{"from a container through the host (hairpin)", cliNS, "http://192.0.2.1:8080/"},
		{"from the container itself through the host", webNS, "http://10.199.0.1:8080/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := wget(c.ns, c.url)
			if err != nil || out != "hello from web\n" {
				t.Fatalf("wget %s: %v\n%s\nruleset:\n%s", c.url, err, out, nftRuleset(l))
			}
		})
	}
	t.Run("egress is masqueraded", func(t *testing.T) {
		// A container reaching the other machine appears as the host.
		if out, err := run(cliNS, "/bin/busybox", "ping", "-c1", "-W2", "192.0.2.2"); err != nil {
			t.Fatalf("ping the other machine from cli: %v\n%s", err, out)
		}
		if !strings.Contains(nftRuleset(l), `ip saddr 10.199.0.0/24 oifname != "skiff0" masquerade`) {
			t.Fatal("no masquerade rule")
		}
	})
	t.Run("port already published", func(t *testing.T) {
		ns := l.container("sleep", "600")
		_, err := l.m.Attach(context.Background(), quiet, AttachConfig{ContainerID: "c-dup", NetnsPath: ns, Ports: ports(t, "8080:81")})
		if !errors.Is(err, nat.ErrPortTaken) || !strings.Contains(err.Error(), "c-web") {
			t.Fatalf("Attach with a taken port = %v", err)
		}
		if out := l.ip(l.host, "-o", "link"); strings.Count(out, "\n") != 5 {
			t.Fatalf("a link was made for the refused container:\n%s", out)
		}
	})
	t.Run("attach is idempotent", func(t *testing.T) {
		again := l.attach(AttachConfig{ContainerID: "c-web", NetnsPath: webNS})
		if again.IP != web.IP || len(again.Ports) != 1 {
			t.Fatalf("second Attach = %+v", again)
		}
	})

	ctx := context.Background()
	for _, id := range []string{"c-web", "c-cli", "c-web"} {
		if err := l.m.Detach(ctx, quiet, id); err != nil {
			t.Fatalf("Detach %s: %v", id, err)
		}
	}
	l.assertClean()
	hosts, _ := os.ReadFile(filepath.Join(cliFiles, "hosts"))
	if strings.Contains(string(hosts), "web") {
		t.Fatalf("cli's hosts still lists web after it left:\n%s", hosts)
	}
}

func nftRuleset(l *lab) string {
	out, _ := run(l.host, "nft", "list", "ruleset")
	return out
}

func TestHostNoneAndContainerModes(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()

	noneNS := l.container("sleep", "600")
	if p, err := l.m.Placement("none"); err != nil || !p.NewNetns {
		t.Fatalf("Placement(none) = %+v, %v", p, err)
	}
	none := l.attach(AttachConfig{ContainerID: "c-none", Name: "solo", NetnsPath: noneNS, Network: "none"})
	links := l.ip(noneNS, "-o", "link")
	if strings.Count(links, "\n") != 1 || !strings.Contains(links, "lo: <LOOPBACK,UP") {
		t.Fatalf("links in a none container:\n%s", links)
	}
	if !strings.Contains(none.Files.Hosts, "127.0.1.1\tc-none solo") {
		t.Fatalf("none hosts:\n%s", none.Files.Hosts)
	}

	if p, err := l.m.Placement("host"); err != nil || p.NewNetns || p.JoinPath != "" {
		t.Fatalf("Placement(host) = %+v, %v", p, err)
	}
	host := l.attach(AttachConfig{ContainerID: "c-host", Network: "host"})
	if !strings.Contains(host.Files.Hosts, "testhost") || !strings.Contains(host.Files.ResolvConf, "127.0.0.53") {
		t.Fatalf("host mode files: %+v", host.Files)
	}

	p, err := l.m.Placement("container:solo")
	if err != nil || p.JoinPath != noneNS || p.NewNetns {
		t.Fatalf("Placement(container:solo) = %+v, %v", p, err)
	}
	joined := l.attach(AttachConfig{ContainerID: "c-side", Network: "container:solo", Hostname: "side"})
	if joined.NetnsPath != noneNS || joined.Files.Hostname != "side\n" {
		t.Fatalf("joined = %+v", joined)
	}
	if _, err := l.m.Placement("container:nobody"); !errors.Is(err, ErrUnknownContainer) {
		t.Fatalf("Placement(container:nobody) = %v", err)
	}
	if _, err := l.m.Placement("nonet"); !errors.Is(err, ErrUnknownNetwork) || !strings.Contains(err.Error(), "--network") {
		t.Fatalf("Placement(nonet) = %v", err)
	}
	for _, id := range []string{"c-side", "c-host", "c-none"} {
		if err := l.m.Detach(ctx, quiet, id); err != nil {
			t.Fatal(err)
		}
	}
	l.assertClean()
}

func TestUserNetworkCrashAndPrune(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()
	if _, err := l.m.Create(ctx, quiet, Network{Name: "lan", Subnet: mustPrefix("192.0.2.128/25")}); !errors.Is(err, ErrSubnetOverlap) || !strings.Contains(err.Error(), "lan0") {
		t.Fatalf("Create over a host route = %v", err)
	}
	if _, err := l.m.Create(ctx, quiet, Network{Name: "bridge"}); !errors.Is(err, ErrBuiltin) {
		t.Fatalf("Create bridge = %v", err)
	}
	front, err := l.m.Create(ctx, quiet, Network{Name: "front"})
	if err != nil || front.Subnet.String() != "10.199.1.0/24" || front.Bridge != "skiff-front" {
		t.Fatalf("Create front = %+v, %v", front, err)
	}
	if _, err := l.m.Create(ctx, quiet, Network{Name: "front"}); !errors.Is(err, ErrNetworkExists) {
		t.Fatalf("Create front twice = %v", err)
	}
	if _, err := l.m.Create(ctx, quiet, Network{Name: "back", Subnet: mustPrefix("10.199.1.0/25")}); !errors.Is(err, ErrSubnetOverlap) || !strings.Contains(err.Error(), "network front") {
		t.Fatalf("Create overlapping front = %v", err)
	}

	aNS, bNS, cNS := l.container("sleep", "600"), l.container("sleep", "600"), l.container("sleep", "600")
	l.attach(AttachConfig{ContainerID: "a", NetnsPath: aNS, Network: "front", Ports: ports(t, "127.0.0.1:9000:9000/udp")})
	l.attach(AttachConfig{ContainerID: "b", NetnsPath: bNS, Network: "front"})
	l.attach(AttachConfig{ContainerID: "c", NetnsPath: cNS})
	if out, err := run(aNS, "/bin/busybox", "ping", "-c1", "-W2", "10.199.1.3"); err != nil {
		t.Fatalf("ping on the user network: %v\n%s", err, out)
	}
	if err := l.m.Remove(ctx, quiet, "front"); !errors.Is(err, ErrNetworkInUse) {
		t.Fatalf("Remove front in use = %v", err)
	}
	st, err := l.m.Inspect("front")
	if err != nil || len(st.Containers) != 2 || st.Containers[0].Ports[0] != "127.0.0.1:9000:9000/udp" {
		t.Fatalf("Inspect front = %+v, %v", st, err)
	}

	// Crash: every container dies and nobody calls Detach.
	for _, ns := range []string{aNS, bNS, cNS} {
		kill(t, ns)
	}
	rep, err := l.m.Prune(ctx, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Containers, ",") != "a,b,c" || strings.Join(rep.Networks, ",") != "front" {
		t.Fatalf("Prune = %+v", rep)
	}
	if _, err := l.m.Inspect("front"); !errors.Is(err, ErrUnknownNetwork) {
		t.Fatalf("front survived prune: %v", err)
	}
	l.assertClean()
}

func TestAttachRollsBack(t *testing.T) {
	l := newLab(t)
	ns := l.container("sleep", "600")
	// An eth0 already inside the container makes the veth creation fail
	// after the lease and the bridge were made.
	l.ip(ns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1")
	_, err := l.m.Attach(context.Background(), quiet, AttachConfig{ContainerID: "broken", NetnsPath: ns, Ports: ports(t, "8080:80")})
	if err == nil {
		t.Fatal("Attach succeeded with eth0 taken")
	}
	l.assertClean()
	if _, err := l.m.Attach(context.Background(), quiet, AttachConfig{ContainerID: "x", NetnsPath: ns, Network: "nope"}); !errors.Is(err, ErrUnknownNetwork) {
		t.Fatalf("unknown network: %v", err)
	}
	if _, err := l.m.Attach(context.Background(), quiet, AttachConfig{ContainerID: "x", Network: "bridge"}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "netns path") {
		t.Fatalf("no netns path: %v", err)
	}
	bad := map[string]AttachConfig{
		"--hostname":   {ContainerID: "x", NetnsPath: ns, Hostname: "a b\n"},
		"container ID": {ContainerID: "../x", NetnsPath: ns},
		"-p":           {ContainerID: "x", Network: "host", Ports: ports(t, "80:80")},
	}
	for field, cfg := range bad {
		if _, err := l.m.Attach(context.Background(), quiet, cfg); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: Attach = %v, want an error naming the field", field, err)
		}
	}
	l.assertClean()
}

func TestConcurrentAttach(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()
	const n = 6
	nss := make([]string, n)
	for i := range nss {
		nss[i] = l.container("sleep", "600")
	}
	errs := make(chan error, n)
	ips := make(chan string, n)
	for i := range n {
		go func() {
			a, err := l.m.Attach(ctx, quiet, AttachConfig{ContainerID: fmt.Sprintf("p%d", i), NetnsPath: nss[i],
				Ports: ports(t, fmt.Sprintf("%d:80", 9000+i))})
			if err == nil {
				ips <- a.IP.String()
			}
			errs <- err
		}()
	}
	seen := map[string]bool{}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(ips)
	for ip := range ips {
		if seen[ip] {
			t.Fatalf("address %s given twice", ip)
		}
		seen[ip] = true
	}
	if got := strings.Count(nftRuleset(l), "dnat to"); got != 2*n {
		t.Fatalf("%d dnat rules, want %d:\n%s", got, 2*n, nftRuleset(l))
	}
	for i := range n {
		go func() { errs <- l.m.Detach(ctx, quiet, fmt.Sprintf("p%d", i)) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	l.assertClean()
}
