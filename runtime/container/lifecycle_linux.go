package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Start releases a created container's init to exec the user's program.
func (rt *Runtime) Start(ctx context.Context, id string) error {
	st, err := Load(rt.Root, id)
	if err != nil {
		return err
	}
	if status := st.Status(); status != Created {
		return fmt.Errorf("start container %s: %w: it is %s, not created", id, ErrState, status)
	}
	fifo := filepath.Join(st.dir, fifoName)
	if err := rt.openFifo(ctx, st, fifo); err != nil {
		return fmt.Errorf("start container %s: %w", id, err)
	}
	if err := os.Remove(fifo); err != nil {
		return fmt.Errorf("start container %s: remove exec.fifo: %w", id, err)
	}
	warnHooks(ctx, rt.Log, HookPoststart, st.Spec, st.ociState(Running))
	return nil
}

// openFifo opens exec.fifo for reading and reads the init's byte. The open
// blocks until the init opens the other end; if the init died meanwhile it
// would block forever, so we watch the init while waiting.
func (rt *Runtime) openFifo(ctx context.Context, st *State, fifo string) error {
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_RDONLY, 0)
		if err != nil {
			done <- fmt.Errorf("open exec.fifo: %w", err)
			return
		}
		defer f.Close()
		buf := make([]byte, 1)
		if n, err := f.Read(buf); n != 1 {
			done <- fmt.Errorf("read exec.fifo: init closed it without starting (%v)", err)
			return
		}
		done <- nil
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if st.Status() != Stopped {
				continue
			}
			// The program may have started and exited between two ticks:
			// its byte, if it came, decides.
			select {
			case err := <-done:
				return err
			case <-time.After(100 * time.Millisecond):
				return errors.New("container init exited before start")
			}
		}
	}
}

// Kill sends sig to the container's init.
func (rt *Runtime) Kill(ctx context.Context, id string, sig unix.Signal) error {
	st, err := Load(rt.Root, id)
	if err != nil {
		return err
	}
	switch status := st.Status(); status {
	case Created, Running, Paused:
	default:
		return fmt.Errorf("kill container %s: %w: it is %s", id, ErrState, status)
	}
	if err := unix.Kill(st.Pid, sig); err != nil {
		return fmt.Errorf("kill container %s: %w", id, err)
	}
	return nil
}

// Delete removes a container. A created or stopped container is removed
// as it is (a created one's init is killed first, as runc does); a running
// or paused one only with force, which kills it. With force, a container
// that does not exist is already deleted (as with runc): engines clean up
// with `delete --force` after a create that failed or never got that far.
func (rt *Runtime) Delete(ctx context.Context, id string, force bool) error {
	st, err := Load(rt.Root, id)
	if errors.Is(err, ErrNotExist) && force {
		return nil
	}
	if err != nil {
		return err
	}
	status := st.Status()
	if (status == Running || status == Paused) && !force {
		return fmt.Errorf("delete container %s: %w: it is %s; stop it first or use --force", id, ErrState, status)
	}
	if status != Stopped && status != Creating {
		if err := killAndWait(ctx, st); err != nil {
			return fmt.Errorf("delete container %s: %w", id, err)
		}
	}
	// Without a pid namespace, processes can outlive the init: the cgroup
	// knows them all.
	if err := destroyCgroup(ctx, st, rt.Log); err != nil {
		return fmt.Errorf("delete container %s: %w", id, err)
	}
	err = withLock(st.dir, func() error { return os.RemoveAll(st.dir) })
	if err != nil && !errors.Is(err, ErrNotExist) {
		return fmt.Errorf("delete container %s: %w", id, err)
	}
	if status != Creating {
		warnHooks(ctx, rt.Log, HookPoststop, st.Spec, st.ociState(Stopped))
	}
	return nil
}

// killAndWait SIGKILLs the init (which takes every process of its pid
// namespace with it) and waits until it is gone, through a pidfd so that
// it works for processes that are not our children.
func killAndWait(ctx context.Context, st *State) error {
	pidfd, err := unix.PidfdOpen(st.Pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pidfd_open %d: %w", st.Pid, err)
	}
	defer unix.Close(pidfd)
	if st.Status() == Stopped { // the pid was reused after we read the state
		return nil
	}
	if err := unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("kill init %d: %w", st.Pid, err)
	}
	return waitPidfd(ctx, pidfd, st)
}

func waitPidfd(ctx context.Context, pidfd int, st *State) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 100)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("wait for init %d: %w", st.Pid, err)
		}
		// Readable means exited; a zombie whose parent has not reaped it
		// yet also counts as gone.
		if n > 0 || st.Status() == Stopped {
			return nil
		}
	}
	return fmt.Errorf("init %d did not exit after SIGKILL", st.Pid)
}

// ParseSignal reads a signal as runc does: a name with or without SIG
// (KILL, SIGKILL) or a number (9).
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("signal %q: out of range 1-64", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("signal %q: unknown; use a name such as TERM, KILL, HUP or a number", s)
}
