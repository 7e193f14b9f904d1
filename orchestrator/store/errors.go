package store

import "errors"

var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("key not found")
	// ErrExists: Create found the key already present.
	ErrExists = errors.New("key already exists")
	// ErrConflict: the key's revision is not the one the caller read.
	ErrConflict = errors.New("revision conflict")
	// ErrGone: the requested revision has been compacted.
	ErrGone = errors.New("revision compacted")
)
