package namespace

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// StartIn runs start on a fresh OS thread that has first joined every
// namespace in joins, so that a child forked by start (exec.Cmd.Start forks
// from the calling thread) is born inside them. With no joins, start runs on
// the caller's goroutine.
//
// The thread is never handed back to the Go scheduler: the goroutine exits
// while still locked, and the runtime then terminates the thread.
func StartIn(joins []Join, start func() error) error {
	if len(joins) == 0 {
		return start()
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: this thread ends with the goroutine.
		done <- joinThenStart(joins, start)
	}()
	return <-done
}

func joinThenStart(joins []Join, start func() error) error {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return fmt.Errorf("unshare CLONE_FS: %w", err)
	}
	files, err := openAll(joins)
	if err != nil {
		return err
	}
	defer closeAll(files)
	for i, j := range joins {
		f := flags[j.Type]
		if err := unix.Setns(int(files[i].Fd()), int(f)); err != nil {
			return fmt.Errorf("setns %s %s: %w", j.Type, j.Path, err)
		}
	}
	return start()
}

// openAll opens every namespace file before any setns, because entering a
// mount namespace changes what paths mean.
func openAll(joins []Join) ([]*os.File, error) {
	files := make([]*os.File, 0, len(joins))
	for _, j := range joins {
		f, err := os.Open(j.Path)
		if err != nil {
			closeAll(files)
			return nil, fmt.Errorf("open %s namespace: %w", j.Type, err)
		}
		files = append(files, f)
	}
	return files, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}
