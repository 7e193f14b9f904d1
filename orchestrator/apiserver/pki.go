package apiserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// PKI is the cluster's certificate authority, kept as PEM files in a
// directory (<data-dir>/pki): ca.crt and ca.key sign the API server's
// serving certificate (apiserver.crt/key) and client certificates such as
// the admin's.
type PKI struct {
	Dir    string
	CA     *x509.Certificate
	CAKey  crypto.Signer
	CAPEM  []byte
	caPool *x509.CertPool
}

// LoadOrCreatePKI reads the CA in dir, creating it on first use, and makes
// sure a serving certificate exists for hosts (plus 127.0.0.1, localhost,
// the hostname and the in-cluster names of the kubernetes service).
func LoadOrCreatePKI(dir string, hosts []string) (*PKI, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create pki dir: %w", err)
	}
	p := &PKI{Dir: dir}
	if err := p.loadOrCreateCA(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "apiserver.crt")); errors.Is(err, os.ErrNotExist) {
		cert, key, err := p.Issue(servingTemplate(hosts))
		if err != nil {
			return nil, err
		}
		if err := writePair(dir, "apiserver", cert, key); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *PKI) loadOrCreateCA() error {
	crt, key := filepath.Join(p.Dir, "ca.crt"), filepath.Join(p.Dir, "ca.key")
	if _, err := os.Stat(crt); errors.Is(err, os.ErrNotExist) {
		if err := createCA(p.Dir); err != nil {
			return err
		}
	}
	pair, err := tls.LoadX509KeyPair(crt, key)
	if err != nil {
		return fmt.Errorf("load cluster ca %s: %w", crt, err)
	}
	p.CA, err = x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return fmt.Errorf("parse cluster ca %s: %w", crt, err)
	}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return fmt.Errorf("load cluster ca key %s: not a signing key", key)
	}
	p.CAKey = signer
	p.CAPEM, _ = os.ReadFile(crt)
	p.caPool = x509.NewCertPool()
	p.caPool.AddCert(p.CA)
	return nil
}

// Pool is the CA as a certificate pool (to verify client certificates).
func (p *PKI) Pool() *x509.CertPool { return p.caPool }

func createCA(dir string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate ca key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "skiff-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("create ca certificate: %w", err)
	}
	return writePair(dir, "ca", pemBlock("CERTIFICATE", der), mustKeyPEM(key))
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func servingTemplate(hosts []string) *x509.Certificate {
	hostname, _ := os.Hostname()
	names := append([]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local", hostname, "127.0.0.1", "::1", "10.96.0.1"}, hosts...)
	t := &x509.Certificate{Subject: pkix.Name{CommonName: "kube-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else if n != "" {
			t.DNSNames = append(t.DNSNames, n)
		}
	}
	return t
}

// ClientTemplate is a client certificate for user cn in groups orgs (the
// x509 authenticator reads them back as user and groups).
func ClientTemplate(cn string, orgs ...string) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: cn, Organization: orgs},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
}

// Issue signs a new key for tmpl with the CA, valid for a year; it
// returns certificate and key as PEM.
func (p *PKI) Issue(tmpl *x509.Certificate) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	tmpl.SerialNumber = serial()
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CA, &key.PublicKey, p.CAKey)
	if err != nil {
		return nil, nil, fmt.Errorf("sign certificate %s: %w", tmpl.Subject.CommonName, err)
	}
	return pemBlock("CERTIFICATE", der), mustKeyPEM(key), nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func mustKeyPEM(key *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		panic(err) // a freshly generated P-256 key always marshals
	}
	return pemBlock("EC PRIVATE KEY", der)
}

func writePair(dir, name string, cert, key []byte) error {
	if err := os.WriteFile(filepath.Join(dir, name+".key"), key, 0o600); err != nil {
		return fmt.Errorf("write %s.key: %w", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), cert, 0o644); err != nil {
		return fmt.Errorf("write %s.crt: %w", name, err)
	}
	return nil
}
