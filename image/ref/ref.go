package ref

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// ErrInvalid marks a string that is not an image reference.
var ErrInvalid = errors.New("invalid image reference")

// dockerHub is how go-containerregistry names Docker Hub; users and the
// store write the shorter docker.io.
const dockerHub = "index.docker.io"

// Parse parses a user-given reference. Registries listed in insecure (and
// localhost/127.0.0.1, as go-containerregistry already does) are spoken to
// over plain HTTP.
func Parse(s string, insecure ...string) (name.Reference, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty; use NAME[:TAG] or NAME@sha256:DIGEST", ErrInvalid)
	}
	if strings.HasSuffix(s, ":") || strings.HasSuffix(s, "@") {
		return nil, fmt.Errorf("%w %q: missing tag or digest after the separator", ErrInvalid, s)
	}
	r, err := name.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrInvalid, s, err)
	}
	if isInsecure(r.Context().RegistryStr(), insecure) {
		r, err = name.ParseReference(s, name.Insecure)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %v", ErrInvalid, s, err)
		}
	}
	return r, nil
}

func isInsecure(registry string, insecure []string) bool {
	for _, h := range insecure {
		if h == registry {
			return true
		}
	}
	return false
}

// Normalize returns the canonical name of a reference, the form the store
// records: docker.io/library/busybox:latest, host:5000/app@sha256:....
func Normalize(s string) (string, error) {
	r, err := Parse(s)
	if err != nil {
		return "", err
	}
	return Name(r), nil
}

// Name is the canonical string of a parsed reference.
func Name(r name.Reference) string {
	repo := r.Context().RepositoryStr()
	reg := r.Context().RegistryStr()
	if reg == dockerHub {
		reg = "docker.io"
	}
	sep := ":"
	if _, ok := r.(name.Digest); ok {
		sep = "@"
	}
	return reg + "/" + repo + sep + r.Identifier()
}

// Short drops the docker.io/library/ prefix for display, as docker does.
func Short(canonical string) string {
	if s, ok := strings.CutPrefix(canonical, "docker.io/library/"); ok {
		return s
	}
	return strings.TrimPrefix(canonical, "docker.io/")
}
