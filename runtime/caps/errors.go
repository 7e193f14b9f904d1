package caps

import "errors"

var (
	// ErrUnknown: a capability name this package does not know.
	ErrUnknown = errors.New("unknown capability")
	// ErrInvalid: capability sets that the kernel would refuse together.
	ErrInvalid = errors.New("invalid capabilities")
)
