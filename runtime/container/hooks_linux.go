package container

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os/exec"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Hook points, named as the runtime spec names them. Where each runs:
//
//	prestart, createRuntime  the runtime, after the namespaces exist, before pivot_root
//	createContainer          the init, in the container's namespaces, before pivot_root
//	startContainer           the init, after start, right before the program runs
//	poststart                the runtime, after the program started (failures only warn)
//	poststop                 the runtime, after delete (failures only warn)
const (
	HookPrestart        = "prestart"
	HookCreateRuntime   = "createRuntime"
	HookCreateContainer = "createContainer"
	HookStartContainer  = "startContainer"
	HookPoststart       = "poststart"
	HookPoststop        = "poststop"
)

// hooksOf returns the hooks of one kind from a config.
func hooksOf(s *specs.Spec, kind string) []specs.Hook {
	if s == nil || s.Hooks == nil {
		return nil
	}
	h := s.Hooks
	return map[string][]specs.Hook{
		HookPrestart: h.Prestart, HookCreateRuntime: h.CreateRuntime, HookCreateContainer: h.CreateContainer, //nolint:staticcheck // prestart is deprecated but still in the spec
		HookStartContainer: h.StartContainer, HookPoststart: h.Poststart, HookPoststop: h.Poststop,
	}[kind]
}

// runHooks runs hooks in order, each with the container's state as JSON
// on its stdin and its own timeout; the first failure stops the list.
func runHooks(ctx context.Context, kind string, hooks []specs.Hook, state specs.State) error {
	if len(hooks) == 0 {
		return nil
	}
	data, err := json.Marshal(state)
	if err != nil {
		return err
	}
	for i, h := range hooks {
		if err := runHook(ctx, h, data); err != nil {
			return fmt.Errorf("%s hook %d (%s): %w", kind, i, h.Path, err)
		}
	}
	return nil
}

func runHook(ctx context.Context, h specs.Hook, state []byte) error {
	if h.Timeout != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, h.Path)
	if len(h.Args) > 0 {
		cmd.Args = h.Args
	}
	cmd.Env = h.Env
	// A hook that exits without reading its stdin makes our write fail
	// with EPIPE; Go reports it as an error of the copy, never a SIGPIPE.
	cmd.Stdin = bytes.NewReader(state)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("timed out after %ds", *h.Timeout)
	}
	if err != nil {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// warnHooks runs hooks whose failure must not fail the operation
// (poststart, poststop): it logs instead.
func warnHooks(ctx context.Context, log *slog.Logger, kind string, s *specs.Spec, state specs.State) {
	if err := runHooks(ctx, kind, hooksOf(s, kind), state); err != nil {
		log.Warn("hook failed", "err", err)
	}
}

// ociState is the state hooks receive.
func (s *State) ociState(status string) specs.State {
	st := s.OCI().State
	st.Status = specs.ContainerState(status)
	st.Pid = s.Pid
	return st
}
