package seccomp

import "errors"

var (
	// ErrInvalid: a profile that is wrong whatever the machine.
	ErrInvalid = errors.New("invalid seccomp profile")
	// ErrUnsupported: a valid profile asking for what skiff does not do.
	ErrUnsupported = errors.New("not supported")
)
