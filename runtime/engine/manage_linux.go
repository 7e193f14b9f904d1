package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/image/snapshot"
	"github.com/skiffrun/skiff/image/store"
	"github.com/skiffrun/skiff/runtime/container"
)

// defaultImageConfig is the "image" of a --rootfs container: a PATH.
func defaultImageConfig() v1.Config {
	return v1.Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}
}

// Info is one row of `skiff ps`.
type Info struct {
	ID, Image, Command, Status, Ports string
	Created                           time.Time
	Running                           bool
}

// List returns the containers, running ones only unless all.
func (e *Engine) List(all bool) ([]Info, error) {
	states, err := container.List(e.cfg.Runtime.Root)
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, st := range states {
		info := describe(st)
		if all || info.Running {
			out = append(out, info)
		}
	}
	return out, nil
}

func describe(st *container.State) Info {
	a := st.Annotations
	info := Info{ID: st.ID, Image: a[AnnImage], Command: a[AnnCommand], Ports: a[AnnPorts], Created: st.Created}
	switch s := st.Status(); s {
	case container.Running:
		info.Status, info.Running = "Up "+since(st.Created), true
	case container.Stopped:
		info.Status = "Exited"
		if st.ExitCode != nil {
			info.Status = fmt.Sprintf("Exited (%d)", *st.ExitCode)
		}
	default:
		info.Status = s
		info.Running = s == container.Paused || s == container.Created
	}
	return info
}

func since(t time.Time) string {
	d := time.Since(t).Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	}
	return d.Truncate(time.Minute).String()
}

// Stop sends the stop signal (TERM), waits up to timeout, then KILLs.
func (e *Engine) Stop(ctx context.Context, id string, timeout time.Duration) error {
	rt := e.cfg.Runtime
	if err := rt.Kill(ctx, id, unix.SIGTERM); err != nil {
		if errors.Is(err, container.ErrState) {
			return nil // already stopped
		}
		return err
	}
	if e.waitStopped(ctx, id, timeout) {
		return nil
	}
	if err := rt.Kill(ctx, id, unix.SIGKILL); err != nil && !errors.Is(err, container.ErrState) {
		return err
	}
	if !e.waitStopped(ctx, id, 10*time.Second) {
		return fmt.Errorf("stop %s: still running after SIGKILL", id)
	}
	return nil
}

func (e *Engine) waitStopped(ctx context.Context, id string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		st, err := container.Load(e.cfg.Runtime.Root, id)
		if err != nil || st.Status() == container.Stopped {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// Remove deletes a container with everything it had: runtime state,
// network, snapshot, files. A running one needs force.
func (e *Engine) Remove(ctx context.Context, id string, force bool) error {
	if err := e.cfg.Runtime.Delete(ctx, id, force); err != nil {
		return err
	}
	e.removeLeftovers(ctx, id, true)
	return nil
}

// removeLeftovers removes what a container had besides its runtime state;
// each part may already be gone. detach also releases its network.
func (e *Engine) removeLeftovers(ctx context.Context, id string, detach bool) {
	log := e.cfg.Log
	if _, err := container.Load(e.cfg.Runtime.Root, id); err == nil {
		if err := e.cfg.Runtime.Delete(ctx, id, true); err != nil {
			log.Warn("delete container", "id", id, "err", err)
		}
	}
	if detach {
		if err := e.cfg.Network.Detach(ctx, log, id); err != nil {
			log.Warn("release network", "id", id, "err", err)
		}
	}
	if err := e.removeSnapshot(ctx, id); err != nil {
		log.Warn("remove snapshot", "id", id, "err", err)
	}
	if err := os.RemoveAll(e.containerDir(id)); err != nil {
		log.Warn("remove container directory", "id", id, "err", err)
	}
}

func (e *Engine) removeSnapshot(ctx context.Context, id string) error {
	if _, err := os.Stat(filepath.Join(e.cfg.DataDir, "snapshots", "containers", id)); err != nil {
		return nil
	}
	st, err := store.Open(filepath.Join(e.cfg.DataDir, "images"), e.cfg.Log)
	if err != nil {
		return err
	}
	snaps, err := snapshot.New(e.cfg.DataDir, st, e.cfg.Log)
	if err != nil {
		return err
	}
	return snaps.Remove(ctx, id)
}

// Logs copies a container's output to w; with follow it keeps copying
// until the container stops.
func (e *Engine) Logs(ctx context.Context, id string, follow bool, w io.Writer) error {
	if _, err := container.Load(e.cfg.Runtime.Root, id); err != nil {
		return err
	}
	f, err := os.Open(e.LogPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("logs %s: no log file: only detached (-d) containers log to a file", id)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		if _, err := io.Copy(w, f); err != nil {
			return err
		}
		if !follow || ctx.Err() != nil || e.waitStopped(ctx, id, 200*time.Millisecond) {
			_, err := io.Copy(w, f)
			return err
		}
	}
}
