package store

import "errors"

var (
	// ErrNotFound: no image by that name or id in the store.
	ErrNotFound = errors.New("not found")
	// ErrDigestMismatch: content did not hash to the digest it claimed.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrAmbiguous: an id prefix matches more than one image.
	ErrAmbiguous = errors.New("ambiguous image id")
)
