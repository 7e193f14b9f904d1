package cgroups

import (
	"context"
	"fmt"
	"syscall"
	"time"
)

// freezer is what the kill loop needs from either manager.
type freezer interface {
	Freeze(ctx context.Context) error
	Thaw(ctx context.Context) error
	PIDs() ([]int, error)
}

// freezeSignalThaw signals every process while the cgroup is frozen, so
// none can fork a child that misses the signal. When freezing is not
// possible it signals anyway.
func freezeSignalThaw(ctx context.Context, f freezer, sig syscall.Signal) error {
	frozen := f.Freeze(ctx) == nil
	pids, err := f.PIDs()
	if err == nil {
		err = signalAll(pids, sig)
	}
	if frozen {
		if terr := f.Thaw(ctx); err == nil {
			err = terr
		}
	}
	return err
}

// killLoop SIGKILLs until the cgroup is empty.
func killLoop(ctx context.Context, f freezer) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	for {
		pids, err := f.PIDs()
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		if err := freezeSignalThaw(ctx, f, syscall.SIGKILL); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kill all processes: %d remain: %w", len(pids), ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
