package authn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA(t *testing.T) *ca {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour * 24),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return &ca{cert: c, key: key, pool: pool}
}

func (c *ca) issue(t *testing.T, cn string, orgs []string, from, to time.Time) *x509.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore: from, NotAfter: to, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return leaf
}

func TestX509(t *testing.T) {
	good, other := newCA(t), newCA(t)
	now := time.Now()
	a := &X509{Roots: good.pool}
	cases := []struct {
		name    string
		cert    *x509.Certificate
		wantErr string
	}{
		{"valid", good.issue(t, "bob", []string{"dev", "ops"}, now.Add(-time.Minute), now.Add(time.Hour)), ""},
		{"expired", good.issue(t, "bob", nil, now.Add(-2*time.Hour), now.Add(-time.Hour)), "expired or is not yet valid"},
		{"not yet valid", good.issue(t, "bob", nil, now.Add(time.Hour), now.Add(2*time.Hour)), "expired or is not yet valid"},
		{"other ca", other.issue(t, "bob", nil, now.Add(-time.Minute), now.Add(time.Hour)), "unknown authority"},
		{"no cn", good.issue(t, "", []string{"dev"}, now.Add(-time.Minute), now.Add(time.Hour)), "no CN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api", nil)
			r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{tc.cert}}
			u, ok, err := a.Authenticate(r)
			if tc.wantErr != "" {
				if ok || err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got ok=%v err=%v, want error containing %q", ok, err, tc.wantErr)
				}
				return
			}
			if !ok || err != nil || u.Name != "bob" || !slices.Equal(u.Groups, []string{"dev", "ops"}) {
				t.Fatalf("got %+v ok=%v err=%v", u, ok, err)
			}
		})
	}
	if _, ok, err := a.Authenticate(httptest.NewRequest("GET", "/api", nil)); ok || err != nil {
		t.Fatalf("no certificate: ok=%v err=%v, want no opinion", ok, err)
	}
}

func TestParseTokens(t *testing.T) {
	tf, err := ParseTokens(strings.NewReader("# comment\nt1,alice,1\nt2,bob,2,\"dev,ops\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	u, ok, _ := tf.AuthenticateToken("t2")
	if !ok || u.Name != "bob" || u.UID != "2" || !slices.Equal(u.Groups, []string{"dev", "ops"}) {
		t.Fatalf("t2: %+v %v", u, ok)
	}
	if _, ok, err := tf.AuthenticateToken("nope"); ok || err != nil {
		t.Fatalf("unknown token: ok=%v err=%v", ok, err)
	}
	bad := map[string]string{
		"t1,alice,1\nt2,bob\n":     "line 2: 2 fields",
		"t1,alice,1\n\n,bob,2\n":   "line 3: token (field 1) is empty",
		"t1,,1\n":                  "line 1: user (field 2) is empty",
		"t1,alice,1\nt1,bob,2\n":   "line 2: token of user \"bob\" is already used",
		"t1,alice,1\nt2,\"bob,2\n": "line 2",
	}
	for in, want := range bad {
		_, err := ParseTokens(strings.NewReader(in))
		if !errors.Is(err, ErrTokenFile) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

func TestServiceAccountTokens(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sa := &ServiceAccounts{Key: key}
	tok, err := sa.Issue("kube-system", "scheduler", "uid-1", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	u, ok, err := sa.AuthenticateToken(tok)
	if !ok || err != nil || u.Name != "system:serviceaccount:kube-system:scheduler" || u.UID != "uid-1" ||
		!slices.Contains(u.Groups, "system:serviceaccounts:kube-system") {
		t.Fatalf("got %+v ok=%v err=%v", u, ok, err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged, _ := (&ServiceAccounts{Key: other}).Issue("kube-system", "scheduler", "", nil, time.Hour)
	expired, _ := (&ServiceAccounts{Key: key, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}).
		Issue("default", "default", "", nil, time.Hour)
	wrongAud, _ := sa.Issue("default", "default", "", []string{"vault"}, time.Hour)
	for name, tok := range map[string]string{"forged": forged, "expired": expired, "audience": wrongAud} {
		if _, ok, err := sa.AuthenticateToken(tok); ok || err == nil {
			t.Errorf("%s: ok=%v err=%v, want an error", name, ok, err)
		}
	}
	sa.Lookup = func(ns, name string) (string, bool) { return "uid-2", ns == "kube-system" && name == "scheduler" }
	if _, ok, err := sa.AuthenticateToken(tok); ok || err == nil || !strings.Contains(err.Error(), "made again") {
		t.Errorf("account made again: ok=%v err=%v", ok, err)
	}
	gone, _ := sa.Issue("default", "deleted", "", nil, time.Hour)
	if _, ok, err := sa.AuthenticateToken(gone); ok || err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("deleted account: ok=%v err=%v", ok, err)
	}
	sa.Lookup = nil
	foreign, _ := (&ServiceAccounts{Key: key, Issuer: "https://elsewhere"}).Issue("a", "b", "", nil, time.Hour)
	if _, ok, err := sa.AuthenticateToken(foreign); ok || err != nil {
		t.Errorf("other issuer: ok=%v err=%v, want no opinion", ok, err)
	}
}

func TestChain(t *testing.T) {
	tf, _ := ParseTokens(strings.NewReader("good,alice,1,dev\n"))
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c := &Chain{Tokens: []TokenAuthenticator{tf, &ServiceAccounts{Key: key}}}
	r := httptest.NewRequest("GET", "/api", nil)
	if _, _, err := c.Authenticate(r); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("anonymous refused: got %v", err)
	}
	r.Header.Set("Authorization", "Bearer good")
	u, ok, err := c.Authenticate(r)
	if !ok || err != nil || u.Name != "alice" || !slices.Equal(u.Groups, []string{"dev", "system:authenticated"}) {
		t.Fatalf("good token: %+v %v %v", u, ok, err)
	}
	c.Anonymous = true
	r.Header.Set("Authorization", "Bearer bad")
	if _, _, err := c.Authenticate(r); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("bad token with anonymous on: got %v, want ErrInvalidToken", err)
	}
	r.Header.Del("Authorization")
	u, ok, _ = c.Authenticate(r)
	if !ok || u.Name != "system:anonymous" || !slices.Equal(u.Groups, []string{"system:unauthenticated"}) {
		t.Fatalf("anonymous: %+v", u)
	}
}
