// Package kubetest runs the real control plane for end-to-end tests: a
// `skiff apiserver` process on free loopback ports with its own data
// directory (embedded etcd, generated PKI, admin kubeconfig), and the
// real kubectl pointed at it. It makes no Linux-only calls, so the
// control-plane tests that use it build anywhere (DESIGN rule 3).
//
// It serves the kubectl tests of orchestrator/apiserver (lab 09) and its
// authn/authz pipeline (labs 10-11).
package kubetest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// KubectlPath is where the tests expect the real kubectl (the course VM's).
const KubectlPath = "/usr/bin/kubectl"

// NeedKubectl skips the test when kubectl is not installed.
func NeedKubectl(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(KubectlPath); err != nil {
		t.Skip("needs kubectl at " + KubectlPath)
	}
}

// Server is a running `skiff apiserver`.
type Server struct {
	Dir        string // its data directory: admin.kubeconfig, pki/
	Home       string // HOME of the kubectl commands (their cache)
	Port       int    // the secure port on 127.0.0.1
	Pid        int
	Kubeconfig string // the admin kubeconfig the server wrote
}

// URL is the server's HTTPS address.
func (s *Server) URL() string { return fmt.Sprintf("https://127.0.0.1:%d", s.Port) }

// Start runs `skiff apiserver --data-dir dir` (a new temporary directory
// when dir is ""), bound to free loopback ports, with args after the
// defaults, and waits up to 60 s until the admin kubeconfig exists and
// ready(s) says so. The server is killed when the test ends; its log is
// shown if the test failed.
func Start(t testing.TB, dir string, ready func(*Server) bool, args ...string) *Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s := &Server{Dir: dir, Home: t.TempDir(), Port: FreePort(t), Kubeconfig: filepath.Join(dir, "admin.kubeconfig")}
	all := append([]string{"--data-dir", dir, "apiserver", "--bind-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(s.Port),
		"--etcd-listen-client-url", fmt.Sprintf("http://127.0.0.1:%d", FreePort(t)),
		"--etcd-listen-peer-url", fmt.Sprintf("http://127.0.0.1:%d", FreePort(t))}, args...)
	cmd := exec.Command(Binary(t), all...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("apiserver log:\n%s", logs.String())
		}
	})
	s.Pid = cmd.Process.Pid
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, err := os.Stat(s.Kubeconfig); err == nil && ready(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("apiserver not ready after 60s:\n%s", logs.String())
		}
	}
}

// Command is kubectl args as the admin, run in the data directory, with
// stdin when it is not "".
func (s *Server) Command(ctx context.Context, stdin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, KubectlPath, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+s.Kubeconfig, "HOME="+s.Home)
	cmd.Dir = s.Dir
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	return cmd
}

// Kubectl runs kubectl args (60 s at most) and returns its trimmed
// combined output.
func (s *Server) Kubectl(stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := s.Command(ctx, stdin, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// KubectlAt runs the kubectl binary bin against the server at url (an
// httptest server, say) with an empty kubeconfig and a private HOME and
// cache, and returns its combined output.
func KubectlAt(t testing.TB, bin, url, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	home := t.TempDir()
	kubeconfig := filepath.Join(home, "config")
	if err := os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	full := append([]string{"--server", url, "--kubeconfig", kubeconfig, "--cache-dir", filepath.Join(home, "cache")}, args...)
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin"}
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// FreePort returns a TCP port free on 127.0.0.1 right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Binary returns $SKIFF_BIN, or builds cmd/skiff into a temporary
// directory.
func Binary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("SKIFF_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "skiff")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/skiffrun/skiff/cmd/skiff")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build skiff: %v\n%s", err, out)
	}
	return bin
}
