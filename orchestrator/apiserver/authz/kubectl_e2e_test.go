package authz_test

// End to end through the whole request pipeline of labs 10 and 11: build
// skiff, start `skiff apiserver` (embedded etcd on loopback ports, temp
// data dir, a static token file) and drive it with the real kubectl and
// with plain HTTPS requests. Needs /usr/bin/kubectl and openssl; no root.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiffrun/skiff/internal/kubetest"
)

// server is a `skiff apiserver` with token authentication and an audit
// log, and the CA that signed its certificate.
type server struct {
	*kubetest.Server
	t  *testing.T
	ca *x509.CertPool
}

const tokens = `tok-alice,alice,1001,"dev,qa"
tok-flood,flood,1002
tok-calm,calm,1003
`

// start runs `skiff apiserver` with args and waits until the default
// roles are served.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(tokens), 0o600); err != nil {
		t.Fatal(err)
	}
	all := append([]string{"--token-auth-file", filepath.Join(dir, "tokens.csv"), "--audit-log-path", filepath.Join(dir, "audit.log")}, args...)
	srv := kubetest.Start(t, dir, func(k *kubetest.Server) bool {
		_, err := k.Kubectl("", "get", "clusterrolebinding", "system:basic-user")
		return err == nil
	}, all...)
	ca, err := os.ReadFile(filepath.Join(dir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	s := &server{Server: srv, t: t, ca: x509.NewCertPool()}
	s.ca.AppendCertsFromPEM(ca)
	return s
}

func (s *server) must(stdin string, args ...string) string {
	s.t.Helper()
	out, err := s.Kubectl(stdin, args...)
	if err != nil {
		s.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// eventually retries kubectl until its output contains want (RBAC
// changes reach the authorizer through a watch).
func (s *server) eventually(want string, args ...string) string {
	s.t.Helper()
	var out string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, _ = s.Kubectl("", args...)
		if strings.Contains(out, want) {
			return out
		}
	}
	s.t.Fatalf("kubectl %s: got %q, want it to contain %q", strings.Join(args, " "), out, want)
	return ""
}

func (s *server) httpClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: s.ca}, ForceAttemptHTTP2: true}}
}

func (s *server) get(c *http.Client, token, path string) (int, string) {
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Errorf("GET %s: %v", path, err)
		return 0, ""
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func need(t *testing.T) {
	t.Helper()
	kubetest.NeedKubectl(t)
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("needs openssl (apt-get install openssl)")
	}
}

func TestPipelineWithKubectl(t *testing.T) {
	need(t)
	bin := kubetest.Binary(t)
	s := start(t, "--max-requests-inflight", "8", "--max-requests-inflight-per-user", "1")
	t.Run("x509 user from the openssl recipe", s.testX509User)
	t.Run("auth can-i as in the notes", s.testCanI)
	t.Run("bad certificates are refused", s.testBadCertificates)
	t.Run("skiff kubeconfig --user --group", func(t *testing.T) { s.testSkiffKubeconfig(t, bin) })
	t.Run("tokens", s.testTokens)
	t.Run("service account tokens", func(t *testing.T) { s.testServiceAccountToken(t, bin) })
	t.Run("impersonation needs permission", s.testImpersonation)
	t.Run("limit ranges and quota", s.testQuota)
	t.Run("a flooding user gets 429, others are served", s.testFlood)
	t.Run("audit log", s.testAudit)
}

// testX509User follows the course notes verbatim: openssl makes a key, a
// CSR and a certificate signed by the cluster CA; kubectl config makes a
// context; RBAC decides what the user may do.
func (s *server) testX509User(t *testing.T) {
	s.t = t
	for _, args := range [][]string{
		{"genrsa", "-out", "bob.key", "2048"},
		{"req", "-new", "-key", "bob.key", "-out", "bob.csr", "-subj", "/CN=bob/O=developers"},
		{"x509", "-req", "-in", "bob.csr", "-CA", "pki/ca.crt", "-CAkey", "pki/ca.key", "-CAcreateserial", "-out", "bob.crt", "-days", "365"},
	} {
		cmd := exec.Command("openssl", args...)
		cmd.Dir = s.Dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	s.must("", "config", "set-cluster", "my-cluster", "--certificate-authority=pki/ca.crt", "--embed-certs=true", "--server="+s.URL())
	s.must("", "config", "set-credentials", "bob", "--client-certificate=bob.crt", "--client-key=bob.key", "--embed-certs=true")
	s.must("", "config", "set-context", "bob", "--cluster=my-cluster", "--user=bob")
	if out := s.must("", "--context", "bob", "auth", "whoami"); !strings.Contains(out, "developers") {
		t.Fatalf("whoami: %s", out)
	}
	out, err := s.Kubectl("", "--context", "bob", "get", "pods", "-n", "developer")
	if err == nil || !strings.Contains(out, `User "bob" cannot list resource "pods"`) {
		t.Fatalf("before any binding: err=%v out=%s, want 403 naming user, verb and resource", err, out)
	}
	s.must("", "create", "namespace", "developer")
	s.must("", "create", "rolebinding", "bob-edit", "-n", "developer", "--clusterrole=edit", "--user=bob")
	s.eventually("No resources found", "--context", "bob", "get", "pods", "-n", "developer")
	s.must("", "--context", "bob", "run", "web", "-n", "developer", "--image=busybox")
	out, err = s.Kubectl("", "--context", "bob", "run", "web", "-n", "default", "--image=busybox")
	if err == nil || !strings.Contains(out, "Forbidden") {
		t.Fatalf("bob in default: err=%v out=%s, want Forbidden", err, out)
	}
	s.must("", "create", "rolebinding", "dangling", "-n", "developer", "--role=missing", "--user=carol")
	out, _ = s.Kubectl("", "get", "pods", "-n", "developer", "--as", "carol")
	if !strings.Contains(out, "references missing Role developer/missing") {
		t.Fatalf("binding to a missing role: %s", out)
	}
}

// testBadCertificates: an expired certificate of the cluster CA, and one
// of another CA, get nowhere. Today the TLS listener refuses them (it
// verifies client certificates itself); once it only requests them, the
// x509 authenticator answers 401 with the reason. Either way no request
// is served.
func (s *server) testBadCertificates(t *testing.T) {
	s.t = t
	caPair, err := tls.LoadX509KeyPair(filepath.Join(s.Dir, "pki", "ca.crt"), filepath.Join(s.Dir, "pki", "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	clusterCA, _ := x509.ParseCertificate(caPair.Certificate[0])
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherTmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "other-ca"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	otherDER, _ := x509.CreateCertificate(rand.Reader, otherTmpl, otherTmpl, &otherKey.PublicKey, otherKey)
	otherCA, _ := x509.ParseCertificate(otherDER)
	now := time.Now()
	for name, c := range map[string]struct {
		ca       *x509.Certificate
		key      any
		from, to time.Time
	}{
		"expired":       {clusterCA, caPair.PrivateKey, now.Add(-48 * time.Hour), now.Add(-24 * time.Hour)},
		"not-yet-valid": {clusterCA, caPair.PrivateKey, now.Add(24 * time.Hour), now.Add(48 * time.Hour)},
		"other-ca":      {otherCA, otherKey, now.Add(-time.Hour), now.Add(time.Hour)},
	} {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(8), Subject: pkix.Name{CommonName: "mallory", Organization: []string{"system:masters"}},
			NotBefore: c.from, NotAfter: c.to, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, c.ca, &key.PublicKey, c.key)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		os.WriteFile(filepath.Join(s.Dir, name+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
		os.WriteFile(filepath.Join(s.Dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
		s.must("", "config", "set-credentials", name, "--client-certificate="+name+".crt", "--client-key="+name+".key", "--embed-certs=true")
		s.must("", "config", "set-context", name, "--cluster=my-cluster", "--user="+name)
		out, err := s.Kubectl("", "--context", name, "get", "pods", "--request-timeout=10s")
		// Refused: neither served (a list; the certificate claims
		// system:masters) nor authenticated and then authorized (a 403).
		// The TLS error text varies with timing (alert, reset, broken pipe).
		if err == nil || strings.Contains(out, "No resources") || strings.Contains(out, "NAME") || strings.Contains(out, "Forbidden") {
			t.Errorf("%s certificate: err=%v out=%s, want it refused", name, err, out)
		}
	}
}

func (s *server) testSkiffKubeconfig(t *testing.T, bin string) {
	s.t = t
	out, err := exec.Command(bin, "--data-dir", s.Dir, "kubeconfig", "--user", "dana", "--group", "qa", "--server", s.URL()).Output()
	if err != nil {
		t.Fatalf("skiff kubeconfig: %v", err)
	}
	path := filepath.Join(s.Dir, "dana.kubeconfig")
	os.WriteFile(path, out, 0o600)
	got := s.must("", "--kubeconfig", path, "auth", "whoami")
	if !strings.Contains(got, "dana") || !strings.Contains(got, "[qa system:authenticated]") {
		t.Errorf("whoami: %s", got)
	}
}

func (s *server) testCanI(t *testing.T) {
	s.t = t
	if out := s.must("", "auth", "can-i", "create", "deployments"); out != "yes" {
		t.Errorf("admin: %q", out)
	}
	if out, err := s.Kubectl("", "auth", "can-i", "create", "deployments", "--as", "bob"); err == nil || out != "no" {
		t.Errorf("--as bob: %q %v, want no", out, err)
	}
	s.eventually("yes", "auth", "can-i", "create", "deployments", "--as", "bob", "--namespace", "developer")
}

func (s *server) testTokens(t *testing.T) {
	s.t = t
	s.must("", "config", "set-credentials", "alice", "--token=tok-alice")
	s.must("", "config", "set-context", "alice", "--cluster=my-cluster", "--user=alice")
	out := s.must("", "--context", "alice", "auth", "whoami")
	if !strings.Contains(out, "alice") || !strings.Contains(out, "qa") {
		t.Errorf("whoami with a token: %s", out)
	}
	c := s.httpClient()
	if code, body := s.get(c, "bad-token", "/api/v1/pods"); code != 401 || !strings.Contains(body, "invalid bearer token") {
		t.Errorf("bad token: %d %s, want 401", code, body)
	}
	if code, _ := s.get(c, "", "/api/v1/pods"); code != 401 {
		t.Errorf("anonymous: %d, want 401", code)
	}
	if code, body := s.get(c, "tok-alice", "/api/v1/namespaces/default/pods"); code != 403 || !strings.Contains(body, `alice`) {
		t.Errorf("alice without binding: %d %s, want 403", code, body)
	}
}

// testServiceAccountToken: a signed token of an existing account works;
// once the account is deleted it is refused.
func (s *server) testServiceAccountToken(t *testing.T, bin string) {
	s.t = t
	s.must("", "create", "serviceaccount", "robot", "-n", "default")
	uid := s.must("", "get", "serviceaccount", "robot", "-n", "default", "-o", "jsonpath={.metadata.uid}")
	out, err := exec.Command(bin, "--data-dir", s.Dir, "sa-token", "robot", "-n", "default", "--uid", uid).Output()
	if err != nil {
		t.Fatalf("skiff sa-token: %v", err)
	}
	tok := strings.TrimSpace(string(out))
	c := s.httpClient()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, body := s.get(c, tok, "/version")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token of robot: %d %s", code, body)
		}
	}
	s.must("", "delete", "serviceaccount", "robot", "-n", "default")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, body := s.get(c, tok, "/version")
		if code == 401 && strings.Contains(body, "does not exist") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token of a deleted account: %d %s, want 401", code, body)
		}
	}
}

func (s *server) testImpersonation(t *testing.T) {
	s.t = t
	out, err := s.Kubectl("", "--context", "alice", "get", "pods", "--as", "bob")
	if err == nil || !strings.Contains(out, `User "alice" cannot impersonate resource "users"`) {
		t.Fatalf("impersonation without permission: err=%v out=%s", err, out)
	}
}

const limits = `apiVersion: v1
kind: LimitRange
metadata: {name: cpu}
spec:
  limits:
  - type: Container
    default: {cpu: 300m}
    defaultRequest: {cpu: 200m}
    max: {cpu: "1"}
`

func (s *server) testQuota(t *testing.T) {
	s.t = t
	s.must("", "create", "namespace", "team")
	s.must("", "create", "quota", "small", "-n", "team", "--hard=pods=1,requests.cpu=500m")
	s.must(limits, "apply", "-n", "team", "-f", "-")
	s.must("", "run", "p1", "-n", "team", "--image=busybox")
	res := s.must("", "get", "pod", "p1", "-n", "team", "-o", "jsonpath={.spec.containers[0].resources}")
	if res != `{"limits":{"cpu":"300m"},"requests":{"cpu":"200m"}}` {
		t.Errorf("limit range defaults: %s", res)
	}
	out, err := s.Kubectl("", "run", "p2", "-n", "team", "--image=busybox")
	if err == nil || !strings.Contains(out, "exceeded quota: small, requested: pods=1, used: pods=1, limited: pods=1") {
		t.Errorf("second pod: err=%v %s", err, out)
	}
	s.must("", "delete", "pod", "p1", "-n", "team", "--wait=false")
	out, err = s.Kubectl("", "run", "big", "-n", "team", "--image=busybox",
		`--overrides={"spec":{"containers":[{"name":"big","image":"busybox","resources":{"limits":{"cpu":"2"}}}]}}`)
	if err == nil || !strings.Contains(out, "maximum cpu usage per Container is 1, but limit is 2") {
		t.Errorf("over the limit range: err=%v %s", err, out)
	}
	s.eventually("default", "get", "serviceaccounts", "-n", "team")
}

// testFlood: one user holds its only write slot (a POST whose body is
// still coming), then sends 30 more writes at once: they fill its queue
// and run out of time, or find it full, and all get 429. Another user is
// served meanwhile. Started with --max-requests-inflight-per-user 1.
func (s *server) testFlood(t *testing.T) {
	s.t = t
	s.must("", "create", "rolebinding", "flood-edit", "-n", "default", "--clusterrole=edit", "--user=flood")
	s.eventually("yes", "auth", "can-i", "create", "configmaps", "--as", "flood")
	c := s.httpClient()
	body, finish := io.Pipe()
	held := make(chan int, 1)
	go func() { held <- s.post(c, "tok-flood", "held", body) }()
	s.waitAudit(`"user":"flood","groups":["system:authenticated"],"verb":"create","path":"/api/v1/namespaces/default/configmaps"`)
	var tooMany atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.post(c, "tok-flood", fmt.Sprintf("f%d", i), nil) == 429 {
				tooMany.Add(1)
			}
		}()
	}
	if code, _ := s.get(c, "tok-calm", "/api/v1/namespaces/default/pods"); code == 429 {
		t.Error("the other user's read got 429 during the flood")
	}
	if code := s.post(c, "tok-calm", "calm", nil); code == 429 {
		t.Error("the other user's write got 429 during the flood")
	}
	wg.Wait()
	if n := tooMany.Load(); n != 30 {
		t.Errorf("%d of 30 writes over the user's share got 429, want all", n)
	}
	fmt.Fprint(finish, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held"}}`)
	finish.Close()
	if code := <-held; code != 201 {
		t.Errorf("the held write: %d, want 201", code)
	}
}

// post creates a ConfigMap; body nil sends a whole one at once.
func (s *server) post(c *http.Client, token, name string, body io.Reader) int {
	if body == nil {
		body = strings.NewReader(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"` + name + `"}}`)
	}
	req, _ := http.NewRequest("POST", s.URL()+"/api/v1/namespaces/default/configmaps", body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		s.t.Errorf("POST %s: %v", name, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (s *server) waitAudit(want string) {
	s.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(s.Dir, "audit.log"))
		if bytes.Contains(b, []byte(want)) {
			return
		}
	}
	s.t.Fatalf("audit log never showed %s", want)
}

func (s *server) testAudit(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(s.Dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"stage":"authentication","decision":"deny"`, `"stage":"ratelimit","decision":"deny","user":"flood"`,
		`"stage":"admission","decision":"deny"`, `"stage":"authorization","decision":"allow","user":"bob"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("audit log has no %s", want)
		}
	}
}

// TestBadTokenFile: a malformed line stops the server at start-up, with
// its number.
func TestBadTokenFile(t *testing.T) {
	bin := kubetest.Binary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.csv")
	os.WriteFile(path, []byte("t1,alice,1\nt2,bob\n"), 0o600)
	out, err := exec.Command(bin, "--data-dir", dir, "apiserver", "--secure-port", fmt.Sprint(kubetest.FreePort(t)),
		"--token-auth-file", path).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "line 2") {
		t.Fatalf("err=%v out=%s, want a refusal naming line 2", err, out)
	}
}
