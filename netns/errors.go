package netns

import "errors"

// ErrExists is returned by Create when the name is already taken.
var ErrExists = errors.New("network namespace already exists")

// ErrBadName is returned for a namespace name that is not a plain file name.
var ErrBadName = errors.New("bad network namespace name")
