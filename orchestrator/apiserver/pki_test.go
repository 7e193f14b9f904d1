package apiserver

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestPKIAndKubeconfig(t *testing.T) {
	dir := t.TempDir()
	p, err := LoadOrCreatePKI(dir, []string{"skiff.example", "192.0.2.10"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreatePKI(dir, nil)
	if err != nil || !again.CA.Equal(p.CA) {
		t.Fatalf("second load made another CA: %v", err)
	}
	serving := readCert(t, filepath.Join(dir, "apiserver.crt"))
	if _, err := serving.Verify(x509.VerifyOptions{Roots: p.Pool(), DNSName: "localhost"}); err != nil {
		t.Fatalf("serving cert for localhost: %v", err)
	}
	for _, name := range []string{"127.0.0.1", "skiff.example", "192.0.2.10", "kubernetes.default.svc"} {
		if err := serving.VerifyHostname(name); err != nil {
			t.Errorf("serving cert lacks %s: %v", name, err)
		}
	}
	b, err := Kubeconfig(p, "https://127.0.0.1:6443", "admin", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	auth := cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
	block, _ := pem.Decode(auth.ClientCertificateData)
	cert, _ := x509.ParseCertificate(block.Bytes)
	if cert.Subject.CommonName != "admin" || cert.Subject.Organization[0] != "system:masters" {
		t.Fatalf("client cert subject %v", cert.Subject)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: p.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("client cert does not verify against the CA: %v", err)
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
