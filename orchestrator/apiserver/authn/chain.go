package authn

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// TokenAuthenticator checks a bearer token; ok is false for tokens it does
// not know, an error for tokens it knows to be bad.
type TokenAuthenticator interface {
	AuthenticateToken(token string) (u *apiserver.User, ok bool, err error)
}

// Chain is the authentication stage: the client certificate first, then
// the bearer token through each token authenticator in order. The first
// success wins; a credential that is present but bad is a 401 even when
// anonymous requests are allowed.
type Chain struct {
	X509      *X509 // nil: certificates are not accepted
	Tokens    []TokenAuthenticator
	Anonymous bool // requests without credentials are system:anonymous
	Log       *slog.Logger
}

// Authenticate implements apiserver.Authenticator.
func (c *Chain) Authenticate(r *http.Request) (*apiserver.User, bool, error) {
	u, how, err := c.authenticate(r)
	log := c.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err != nil {
		log.Debug("authn: refused", "path", r.URL.Path, "err", err)
		return nil, false, err
	}
	u.Groups = withGroup(u.Groups, "system:authenticated")
	if how == "anonymous" {
		u.Groups = []string{"system:unauthenticated"}
	}
	log.Debug("authn: "+how, "user", u.Name, "groups", u.Groups, "path", r.URL.Path)
	return u, true, nil
}

func (c *Chain) authenticate(r *http.Request) (*apiserver.User, string, error) {
	var errs []error
	if c.X509 != nil {
		u, ok, err := c.X509.Authenticate(r)
		if ok {
			return u, "x509", nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if token, ok := bearer(r); ok {
		u, err := c.token(token)
		if u != nil {
			return u, "token", nil
		}
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, "", errors.Join(errs...)
	}
	if c.Anonymous {
		return &apiserver.User{Name: "system:anonymous"}, "anonymous", nil
	}
	return nil, "", ErrNoCredentials
}

func (c *Chain) token(token string) (*apiserver.User, error) {
	var errs []error
	for _, ta := range c.Tokens {
		u, ok, err := ta.AuthenticateToken(token)
		if ok {
			return u, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return nil, fmt.Errorf("%w: no token authenticator knows it", ErrInvalidToken)
}

func withGroup(groups []string, g string) []string {
	if slices.Contains(groups, g) {
		return groups
	}
	return append(groups, g)
}
