package pod

import "errors"

// Sentinels callers test with errors.Is.
var (
	ErrInvalid     = errors.New("invalid pod manifest")
	ErrUnsupported = errors.New("not supported by skiff")
	ErrNotExist    = errors.New("pod does not exist")
	ErrExist       = errors.New("pod already exists")
	ErrNoContainer = errors.New("container does not exist in pod")
	ErrNotRunning  = errors.New("not running")
)
