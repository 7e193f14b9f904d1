package importer

import "errors"

var (
	// ErrFormat: the input is not a format skiff imports.
	ErrFormat = errors.New("unrecognized image format")
	// ErrNeedName: the input carries no image name; give one.
	ErrNeedName = errors.New("image name required")
	// ErrNoBusybox: the host has no static busybox to build the image from.
	ErrNoBusybox = errors.New("static busybox not found")
)
