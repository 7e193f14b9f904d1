package spec

import "errors"

// ErrInvalid marks a config that does not satisfy the spec or this runtime.
var ErrInvalid = errors.New("invalid config")
