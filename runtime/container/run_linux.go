package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/skiffrun/skiff/runtime/spec"
)

// RunOptions are the inputs of run: create + start + wait.
type RunOptions struct {
	CreateOptions
	Detach bool // return after start, leaving the container running
	Remove bool // delete the container after it exits (runc run always does)
	// Started, if set, is called once the container's program runs.
	Started func()
}

// Run creates and starts a container and, unless detached, waits for it,
// forwarding signals to it, and returns its exit status (128+N when killed
// by signal N). A terminal container gets a pty wired to the caller's
// stdio, in raw mode when stdin is a terminal.
func (rt *Runtime) Run(ctx context.Context, o RunOptions) (int, error) {
	if o.Spec == nil {
		s, root, err := spec.Load(o.Bundle)
		if err != nil {
			return 0, fmt.Errorf("run container %s: %w", o.ID, err)
		}
		o.Spec, o.Rootfs = s, root
	}
	var console *os.File
	if o.Spec.Process.Terminal && o.ConsoleSocket == "" {
		if o.Detach {
			return 0, errors.New("run: a detached terminal container needs --console-socket")
		}
		o.OnPty = func(m *os.File) error { console = m; return nil }
	}
	if o.Detach {
		if _, err := rt.Create(ctx, o.CreateOptions); err != nil {
			return 0, err
		}
		return 0, rt.Start(ctx, o.ID)
	}
	signals := catchSignals()
	defer signals.stop()
	c, err := rt.Create(ctx, o.CreateOptions)
	if err != nil {
		return 0, err
	}
	signals.relayTo(c.State.Pid, console)
	var copied <-chan struct{}
	if console != nil {
		restore := rawStdin()
		defer restore()
		copied = attach(console)
	}
	if err := rt.Start(ctx, o.ID); err != nil {
		rt.Delete(ctx, o.ID, true)
		return 0, err
	}
	if o.Started != nil {
		o.Started()
	}
	code := exitStatus(c.cmd.Wait())
	drain(copied)
	return code, rt.finish(ctx, c.State, code, o.Remove)
}

// finish records the exit status, or removes the container.
func (rt *Runtime) finish(ctx context.Context, st *State, code int, remove bool) error {
	if remove {
		return rt.Delete(ctx, st.ID, true)
	}
	st.ExitCode = &code
	if err := st.save(); err != nil && !errors.Is(err, ErrNotExist) {
		return err // a container removed while it ran (rm -f) has no state to keep
	}
	return nil
}

// exitStatus maps a wait result to a shell-style exit status.
func exitStatus(err error) int {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		if err != nil {
			return 255
		}
		return 0
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}

// signalRelay catches every signal this process receives and relays it to
// the container's init, except those that concern only us: SIGCHLD,
// SIGPIPE, SIGURG (the Go scheduler's) and SIGWINCH (which resizes the pty
// instead). Like runc, run catches signals before the container exists, so
// one sent during create is held and relayed once there is an init.
type signalRelay struct {
	ch    chan os.Signal
	ready chan struct{} // closed once signal.Notify has returned
}

// catchSignals starts catching. signal.Notify for every signal costs about
// 2 ms (the Go runtime enables some 65 handlers one at a time), a tenth of
// a whole run, so it proceeds beside create instead of before it.
func catchSignals() *signalRelay {
	r := &signalRelay{ch: make(chan os.Signal, 32), ready: make(chan struct{})}
	go func() {
		signal.Notify(r.ch)
		close(r.ready)
	}()
	return r
}

// relayTo forwards caught signals, those held so far first, to pid.
func (r *signalRelay) relayTo(pid int, console *os.File) {
	go func() {
		for s := range r.ch {
			sig := s.(syscall.Signal)
			switch sig {
			case unix.SIGCHLD, unix.SIGPIPE, unix.SIGURG:
			case unix.SIGWINCH:
				resize(console)
			default:
				unix.Kill(pid, sig)
			}
		}
	}()
	if console != nil {
		resize(console)
	}
}

// stop ends catching; signals held and not yet relayed are dropped.
func (r *signalRelay) stop() {
	<-r.ready
	signal.Stop(r.ch)
	close(r.ch)
}

// resize gives the pty the size of our terminal.
func resize(console *os.File) {
	if console == nil {
		return
	}
	ws, err := unix.IoctlGetWinsize(int(os.Stdin.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return
	}
	unix.IoctlSetWinsize(int(console.Fd()), unix.TIOCSWINSZ, ws)
}

// rawStdin puts a terminal stdin in raw mode, so keys reach the container's
// shell unprocessed; the returned func restores it.
func rawStdin() (restore func()) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return func() {}
	}
	old, err := term.MakeRaw(fd)
	if err != nil {
		return func() {}
	}
	return func() { term.Restore(fd, old) }
}

// attach copies stdin to the pty and the pty to stdout; the channel closes
// when the container side of the pty is gone.
func attach(console *os.File) <-chan struct{} {
	done := make(chan struct{})
	go io.Copy(console, os.Stdin)
	go func() {
		io.Copy(os.Stdout, console)
		close(done)
	}()
	return done
}

// drain waits briefly for the last output of a terminal container.
func drain(copied <-chan struct{}) {
	if copied == nil {
		return
	}
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
		fmt.Fprintln(os.Stderr, "skiff: terminal output still open after exit")
	}
}
