package openapi

import "errors"

// ErrInvalid marks input to NewHandler or Build that cannot describe an API.
var ErrInvalid = errors.New("invalid API description")
