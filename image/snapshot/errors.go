package snapshot

import "errors"

var (
	// ErrExists: the container already has a rootfs.
	ErrExists = errors.New("container rootfs already exists")
	// ErrBadID: a container id that cannot be a directory name.
	ErrBadID = errors.New("invalid container id")
	// ErrTooManyLayers: the overlay options would not fit in one page.
	ErrTooManyLayers = errors.New("too many layers for one overlay mount")
	// ErrDiffID: a layer whose content does not match the image config.
	ErrDiffID = errors.New("layer content does not match its diff id")
)
