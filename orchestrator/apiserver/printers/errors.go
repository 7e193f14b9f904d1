package printers

import "errors"

// ErrInvalid marks a request Table cannot serve: a nil object, an object
// without metadata or an unknown includeObject policy.
var ErrInvalid = errors.New("invalid table request")
