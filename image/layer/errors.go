package layer

import "errors"

var (
	// ErrUnsupported: an entry type or compression skiff cannot unpack.
	ErrUnsupported = errors.New("unsupported layer content")
	// ErrBadHardlink: a hardlink whose target is missing, a directory or itself.
	ErrBadHardlink = errors.New("bad hardlink")
)
