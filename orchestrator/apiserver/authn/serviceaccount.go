package authn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// DefaultIssuer is the iss claim of skiff's service account tokens, the
// one kube-apiserver documents as the usual --service-account-issuer.
const DefaultIssuer = "https://kubernetes.default.svc.cluster.local"

// ServiceAccounts issues and checks service account tokens: ES256 JWTs
// whose subject is system:serviceaccount:NAMESPACE:NAME.
type ServiceAccounts struct {
	Key       *ecdsa.PrivateKey
	Issuer    string   // default DefaultIssuer
	Audiences []string // accepted audiences; default [Issuer]
	Now       func() time.Time
	// Lookup, if set, finds a service account's UID: a token of an
	// account that is gone (or was deleted and made again) is refused.
	Lookup func(namespace, name string) (uid string, found bool)
}

// saClaims are the claims of a token, with the private kubernetes.io claim
// bound service account tokens carry.
type saClaims struct {
	jwt.RegisteredClaims
	Kubernetes k8sClaims `json:"kubernetes.io"`
}

type k8sClaims struct {
	Namespace      string `json:"namespace"`
	ServiceAccount struct {
		Name string `json:"name"`
		UID  string `json:"uid"`
	} `json:"serviceaccount"`
}

// Issue signs a token for the service account namespace/name, valid for
// ttl, for audiences (default the accepted ones).
func (s *ServiceAccounts) Issue(namespace, name, uid string, audiences []string, ttl time.Duration) (string, error) {
	if namespace == "" || name == "" {
		return "", fmt.Errorf("issue service account token: namespace and name are required")
	}
	if len(audiences) == 0 {
		audiences = s.audiences()
	}
	now := s.now()
	c := saClaims{RegisteredClaims: jwt.RegisteredClaims{Issuer: s.issuer(), Subject: saUser(namespace, name),
		Audience: audiences, IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl))}}
	c.Kubernetes.Namespace, c.Kubernetes.ServiceAccount.Name, c.Kubernetes.ServiceAccount.UID = namespace, name, uid
	tok, err := jwt.NewWithClaims(jwt.SigningMethodES256, c).SignedString(s.Key)
	if err != nil {
		return "", fmt.Errorf("sign service account token: %w", err)
	}
	return tok, nil
}

// AuthenticateToken checks a JWT; ok is false for tokens that are not
// JWTs of this issuer (they may be someone else's).
func (s *ServiceAccounts) AuthenticateToken(token string) (*apiserver.User, bool, error) {
	if strings.Count(token, ".") != 2 || !s.ours(token) {
		return nil, false, nil
	}
	var c saClaims
	_, err := jwt.NewParser(jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(s.issuer()),
		jwt.WithAudience(s.audiences()...), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now)).
		ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return &s.Key.PublicKey, nil })
	if err != nil {
		return nil, false, fmt.Errorf("service account token: %w", err)
	}
	ns, name := c.Kubernetes.Namespace, c.Kubernetes.ServiceAccount.Name
	if ns == "" || name == "" || c.Subject != saUser(ns, name) {
		return nil, false, fmt.Errorf("service account token: subject %q does not match the kubernetes.io claim", c.Subject)
	}
	if err := s.stillExists(ns, name, c.Kubernetes.ServiceAccount.UID); err != nil {
		return nil, false, err
	}
	return &apiserver.User{Name: c.Subject, UID: c.Kubernetes.ServiceAccount.UID,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns}}, true, nil
}

func (s *ServiceAccounts) stillExists(ns, name, uid string) error {
	if s.Lookup == nil {
		return nil
	}
	got, ok := s.Lookup(ns, name)
	switch {
	case !ok:
		return fmt.Errorf("service account token: service account %s/%s does not exist", ns, name)
	case uid != "" && got != uid:
		return fmt.Errorf("service account token: service account %s/%s was made again (uid %s, token for %s)", ns, name, got, uid)
	}
	return nil
}

// ours reads the unverified issuer: tokens of other issuers are left to
// other authenticators.
func (s *ServiceAccounts) ours(token string) bool {
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		return false
	}
	return c.Issuer == s.issuer()
}

func (s *ServiceAccounts) issuer() string {
	if s.Issuer == "" {
		return DefaultIssuer
	}
	return s.Issuer
}

func (s *ServiceAccounts) audiences() []string {
	if len(s.Audiences) == 0 {
		return []string{s.issuer()}
	}
	return s.Audiences
}

func (s *ServiceAccounts) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func saUser(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// LoadOrCreateSigningKey reads the service account signing key (PEM,
// EC P-256) at path, creating it on first use.
func LoadOrCreateSigningKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createSigningKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read service account key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("read service account key %s: no PEM block", path)
	}
	key, err := x509.ParseECPrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("read service account key %s: %w (want an EC PRIVATE KEY)", path, err)
	}
	return key, nil
}

func createSigningKey(path string) (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate service account key: %w", err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode service account key: %w", err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write service account key: %w", err)
	}
	return key, nil
}
