package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// The monitor's inherited descriptors.
const (
	monitorConfigFd = 3 // the RunConfig, JSON, then EOF
	monitorStatusFd = 4 // one line back: "started" or the error
)

// LogPath is where a detached container's output goes.
func (e *Engine) LogPath(id string) string { return filepath.Join(e.containerDir(id), "container.log") }

// startMonitor re-executes skiff as "skiff monitor" in a new session and
// waits until it reports that the container runs, or why it does not.
func (e *Engine) startMonitor(ctx context.Context, id string, rc RunConfig) error {
	rc.Name, rc.Detach = id, false
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer cfgW.Close()
	stR, stW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		return err
	}
	defer stR.Close()
	cmd := e.monitorCommand(cfgR, stW)
	err = cmd.Start()
	cfgR.Close()
	stW.Close()
	if err != nil {
		return fmt.Errorf("start monitor: %w", err)
	}
	defer cmd.Process.Release()
	if err := json.NewEncoder(cfgW).Encode(rc); err != nil {
		return fmt.Errorf("send config to monitor: %w", err)
	}
	cfgW.Close()
	line, _ := bufio.NewReader(stR).ReadString('\n')
	if line = strings.TrimSpace(line); line != "started" {
		if line == "" {
			line = "monitor exited without a word"
		}
		return errors.New(line)
	}
	return nil
}

func (e *Engine) monitorCommand(cfg, status *os.File) *exec.Cmd {
	self := e.cfg.Runtime.Self
	if self == "" {
		self = "/proc/self/exe"
	}
	cmd := exec.Command(self, "--root", e.cfg.Runtime.Root, "--data-dir", e.cfg.DataDir, "monitor")
	cmd.ExtraFiles = []*os.File{cfg, status}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // survives the CLI and its terminal
	return cmd
}

// Monitor is the body of `skiff monitor`: it reads the run request, runs
// the container with its output in container.log, reports "started", and
// stays until the program exits, to record its status and release its
// network (and remove it, with --rm).
func (e *Engine) Monitor(ctx context.Context) error {
	status := os.NewFile(monitorStatusFd, "status")
	defer status.Close()
	rc, err := readRunConfig()
	if err == nil {
		err = e.monitorRun(ctx, rc, status)
	}
	if err != nil {
		fmt.Fprintln(status, err.Error())
	}
	return err
}

func readRunConfig() (RunConfig, error) {
	f := os.NewFile(monitorConfigFd, "config")
	defer f.Close()
	var rc RunConfig
	if err := json.NewDecoder(f).Decode(&rc); err != nil {
		return rc, fmt.Errorf("monitor: read config: %w", err)
	}
	return rc, nil
}

func (e *Engine) monitorRun(ctx context.Context, rc RunConfig, status *os.File) error {
	p, err := e.plan(rc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(e.containerDir(p.id), 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(e.LogPath(p.id), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer logf.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	e.cfg.Stdin, e.cfg.Stdout, e.cfg.Stderr = devnull, logf, logf
	started := func() { fmt.Fprintln(status, "started"); status.Close() }
	_, err = e.runHere(ctx, p, started)
	return err
}
