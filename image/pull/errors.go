package pull

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

var (
	// ErrUnauthorized: the registry wants credentials we do not have.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound: the registry has no such repository, tag or blob.
	ErrNotFound = errors.New("not found in registry")
	// ErrRegistry: the registry answered with a server error.
	ErrRegistry = errors.New("registry error")
	// ErrUnreachable: no connection to the registry at all.
	ErrUnreachable = errors.New("registry unreachable")
)

// explain adds a sentinel and a hint to registry errors.
func explain(err error) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		var ne net.Error
		if errors.As(err, &ne) {
			return fmt.Errorf("%w (offline? `skiff image import` loads images from files, --busybox builds busybox): %w", ErrUnreachable, err)
		}
		return err
	}
	switch {
	case te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w (log in: credentials are read from ~/.docker/config.json): %w", ErrUnauthorized, err)
	case te.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w (check the repository name and tag): %w", ErrNotFound, err)
	case te.StatusCode >= 500:
		return fmt.Errorf("%w: %w", ErrRegistry, err)
	}
	return err
}
