package authn

import "errors"

var (
	// ErrInvalidToken is a bearer token no authenticator knows.
	ErrInvalidToken = errors.New("invalid bearer token")
	// ErrNoCredentials is a request without credentials while anonymous
	// requests are refused.
	ErrNoCredentials = errors.New("no credentials: send a client certificate or a bearer token (anonymous requests are disabled)")
	// ErrTokenFile is a malformed static token file.
	ErrTokenFile = errors.New("malformed token file")
)
