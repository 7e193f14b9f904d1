package container

import "errors"

// Sentinels callers test with errors.Is.
var (
	ErrNotExist = errors.New("container does not exist")
	ErrExist    = errors.New("container already exists")
	ErrBadID    = errors.New("invalid container id")
	ErrState    = errors.New("container is in the wrong state")
)
