package pull_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/skiffrun/skiff/image/importer"
	"github.com/skiffrun/skiff/image/pull"
	"github.com/skiffrun/skiff/image/store"
)

func newStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "images"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const distributionBinary = "/usr/bin/docker-registry"

// startDistribution runs the real registry (Debian's docker-registry) on
// 127.0.0.1:<free port> with storage in a temporary directory, and kills it
// by pid at cleanup.
func startDistribution(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(distributionBinary); err != nil {
		t.Skipf("needs %s (Debian package docker-registry)", distributionBinary)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "data"), addr)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(distributionBinary, "serve", cfgPath)
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("docker-registry log:\n%s", b)
		}
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			return addr
		}
	}
	t.Fatalf("docker-registry did not answer on %s", addr)
	return ""
}

// TestDistributionRoundTrip pushes busybox to the real registry with
// skiff's Push and with skopeo, and pulls both back.
func TestDistributionRoundTrip(t *testing.T) {
	if _, err := os.Stat(importer.HostBusybox); err != nil {
		t.Skip("needs the busybox-static package")
	}
	addr := startDistribution(t)
	ctx := context.Background()
	src := newStore(t)
	bb, err := importer.EnsureBusybox(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	dest := addr + "/library/busybox:pushed"
	if err := pull.Push(ctx, src, bb, dest, pull.Options{}); err != nil {
		t.Fatal(err)
	}
	dst := newStore(t)
	got, err := pull.Pull(ctx, dst, dest, pull.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != bb.Digest {
		t.Errorf("pulled %s, pushed %s", got.Digest, bb.Digest)
	}
	if _, err := pull.Pull(ctx, dst, addr+"/library/busybox:missing", pull.Options{}); err == nil {
		t.Error("pull of a missing tag succeeded")
	}

	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("skopeo not installed: skipping the skopeo push")
	}
	layout := filepath.Join(t.TempDir(), "layout")
	if err := importer.ExportOCI(src, bb, layout); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(skopeo, "--insecure-policy", "copy", "--dest-tls-verify=false",
		"oci:"+layout+":latest", "docker://"+addr+"/tools/bb:skopeo").CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, out)
	}
	got, err = pull.Pull(ctx, newStore(t), addr+"/tools/bb:skopeo", pull.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != bb.ID() {
		t.Errorf("skopeo-pushed image has id %s, want %s", got.ID(), bb.ID())
	}
}
