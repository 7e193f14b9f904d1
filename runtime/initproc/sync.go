package initproc

import (
	"errors"
)

// Message types sent by the child.
const (
	TypeReady = "ready" // set-up done, waiting for start
	TypeError = "error" // set-up failed; Step and Error say where and why
	TypePty   = "pty"   // carries the pty master of a terminal container
)

// TypeJoined is the one message the parent sends: the child is in its
// cgroup now, so it may do what the cgroup must see (see Await).
const TypeJoined = "joined"

// Message is one report from the child to the parent. Each is one
// SOCK_SEQPACKET datagram, so a file descriptor sent with it (SCM_RIGHTS)
// arrives with exactly that message.
type Message struct {
	Type  string `json:"type"`
	Step  string `json:"step,omitempty"`
	Error string `json:"error,omitempty"`
}

// SetupError is a failure the child reported: the step and the cause, as
// the child saw them.
type SetupError struct {
	Step  string
	Cause string
}

func (e *SetupError) Error() string {
	if e.Step == "" {
		return e.Cause
	}
	return e.Step + ": " + e.Cause
}

// ErrNoReport means the child went away without a message: it was killed,
// or crashed before it could speak.
var ErrNoReport = errors.New("container init exited without reporting")
