package pod

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// LogOptions select what `skiff pod logs` prints.
type LogOptions struct {
	Container string // "" = the only app container (or an error naming them)
	Previous  bool   // the run before the current one
	Follow    bool   // keep printing until the container stops for good
}

// Logs copies a container's log messages to w.
func Logs(ctx context.Context, cfg Config, name string, o LogOptions, w io.Writer) error {
	st, err := Get(cfg, name)
	if err != nil {
		return err
	}
	cs, err := pickContainer(st, o.Container)
	if err != nil {
		return err
	}
	l := Layout{Dir: filepath.Join(cfg.Root, "pods", name)}
	run := cs.RestartCount
	if o.Previous {
		if run == 0 {
			return fmt.Errorf("logs of %s/%s: no previous run: it has not restarted", name, cs.Name)
		}
		run--
	}
	if !o.Follow || o.Previous {
		return copyLog(l.LogPath(cs.Name, run), w)
	}
	return follow(ctx, cfg, l, name, cs.Name, run, w)
}

// pickContainer finds the container a command is about: the one named, or
// the pod's only app container.
func pickContainer(st *Status, name string) (*ContainerStatus, error) {
	if name != "" {
		return st.Container(name)
	}
	var apps []string
	for _, c := range st.Containers {
		if c.Kind == KindApp {
			apps = append(apps, c.Name)
		}
	}
	if len(apps) != 1 {
		return nil, fmt.Errorf("pod %s has containers %v: choose one with -c", st.Name, apps)
	}
	return st.Container(apps[0])
}

func copyLog(path string, w io.Writer) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // not started yet: nothing logged
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return WriteMessages(w, f)
}

// follow prints the current run's log as it grows and moves on to the
// next run's log after a restart, until the container is stopped for good.
func follow(ctx context.Context, cfg Config, l Layout, pod, ctr string, run int, w io.Writer) error {
	var offset int64
	for {
		n, err := copyFrom(l.LogPath(ctr, run), offset, w)
		if err != nil {
			return err
		}
		offset += n
		st, err := Get(cfg, pod)
		if err != nil {
			return err
		}
		cs, err := st.Container(ctr)
		if err != nil {
			return err
		}
		if cs.RestartCount > run {
			if n, err := copyFrom(l.LogPath(ctr, run), offset, w); err != nil || n > 0 {
				offset += n
				continue
			}
			run, offset = run+1, 0
			continue
		}
		if n == 0 && (st.Terminal() || st.Phase == "Unknown" || (cs.State == StateTerminated && !willRestart(cs, st.RestartPolicy))) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// copyFrom prints the complete records after offset and returns how many
// bytes it consumed.
func copyFrom(path string, offset int64, w io.Writer) (int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.NewSectionReader(f, offset, 1<<40))
	if err != nil {
		return 0, err
	}
	end := bytes.LastIndexByte(data, '\n')
	if end < 0 {
		return 0, nil
	}
	if err := WriteMessages(w, bytes.NewReader(data[:end+1])); err != nil {
		return 0, err
	}
	return int64(end + 1), nil
}
