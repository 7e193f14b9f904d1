package authn

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"time"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// X509 authenticates client certificates signed by Roots: CN is the user,
// each O a group. The TLS listener only asks for the certificate; the
// chain, the validity period and the key usage are checked here, so a bad
// certificate is a 401 with the reason.
type X509 struct {
	Roots *x509.CertPool
	Now   func() time.Time // default time.Now
}

// Authenticate implements apiserver.Authenticator.
func (a *X509) Authenticate(r *http.Request) (*apiserver.User, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, false, nil
	}
	leaf := r.TLS.PeerCertificates[0]
	if err := a.verify(leaf, r.TLS.PeerCertificates[1:]); err != nil {
		return nil, false, fmt.Errorf("verify client certificate %q: %w", leaf.Subject.String(), err)
	}
	if leaf.Subject.CommonName == "" {
		return nil, false, fmt.Errorf("verify client certificate %q: subject has no CN (the CN is the user name)", leaf.Subject.String())
	}
	return &apiserver.User{Name: leaf.Subject.CommonName, Groups: append([]string(nil), leaf.Subject.Organization...)}, true, nil
}

func (a *X509) verify(leaf *x509.Certificate, rest []*x509.Certificate) error {
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	inter := x509.NewCertPool()
	for _, c := range rest {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: a.Roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return err
}
