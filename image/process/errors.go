package process

import "errors"

var (
	// ErrNoCommand: neither the image nor the user gave a command.
	ErrNoCommand = errors.New("no command")
	// ErrUnknownUser: a user or group name the image does not define.
	ErrUnknownUser = errors.New("unknown user or group")
	// ErrBadSignal: a StopSignal that is not a signal.
	ErrBadSignal = errors.New("invalid stop signal")
)
