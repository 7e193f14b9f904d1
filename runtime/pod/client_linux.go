package pod

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// Run starts a pod's monitor (`skiff pod-monitor`, in its own session so
// it outlives the caller) and returns once the sandbox is up, with the
// pod's IP. The pod must have been validated (Validate, CheckImages).
func Run(ctx context.Context, cfg Config, pod *corev1.Pod, debug bool) (*Status, error) {
	if cfg.Self == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cfg.Self = self
	}
	for _, p := range []*string{&cfg.Root, &cfg.DataDir, &cfg.HostNetns, &cfg.ResolvConf, &cfg.HostsFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			abs, err := filepath.Abs(*p) // the monitor runs in /
			if err != nil {
				return nil, err
			}
			*p = abs
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.Root, "pods", pod.Name)); err == nil {
		return nil, fmt.Errorf("run pod %s: %w: remove it with skiff pod rm", pod.Name, ErrExist)
	}
	launch, err := json.Marshal(Launch{Config: cfg, Pod: pod, Debug: debug})
	if err != nil {
		return nil, err
	}
	msg, err := startMonitorProcess(cfg.Self, pod.Name, launch)
	if err != nil {
		return nil, fmt.Errorf("run pod %s: %w", pod.Name, err)
	}
	if !strings.HasPrefix(msg, "ok") {
		return nil, fmt.Errorf("run pod %s: %s", pod.Name, msg)
	}
	return Get(cfg, pod.Name)
}

// startMonitorProcess starts the monitor with the launch config on its
// stdin and returns what it reports on its ready pipe.
func startMonitorProcess(self, name string, launch []byte) (string, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return "", err
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return "", err
	}
	defer readyR.Close()
	cmd := exec.Command(self, "pod-monitor", name)
	cmd.Args[0] = "skiff-pod-monitor"
	cmd.Stdin = inR
	cmd.ExtraFiles = []*os.File{readyW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	inR.Close()
	readyW.Close()
	if err != nil {
		inW.Close()
		return "", fmt.Errorf("start pod monitor: %w", err)
	}
	go cmd.Wait() // reap it if we live longer than it does (tests)
	inW.Write(launch)
	inW.Close()
	msg, _ := io.ReadAll(io.LimitReader(readyR, 64*1024))
	if len(msg) == 0 {
		return "", errors.New("pod monitor exited before reporting")
	}
	return string(msg), nil
}

// Get reads a pod's status. A pod whose monitor is gone before the pod
// finished is Unknown.
func Get(cfg Config, name string) (*Status, error) {
	if !dnsLabel.MatchString(name) {
		return nil, fmt.Errorf("%w: %q", ErrNotExist, name)
	}
	l := Layout{Dir: filepath.Join(cfg.Root, "pods", name)}
	st, err := readStatus(l)
	if err != nil {
		return nil, err
	}
	if !st.Terminal() && !st.monitorAlive() {
		st.Phase, st.Reason = corev1.PodUnknown, "MonitorExited"
	}
	return st, nil
}

func (s *Status) monitorAlive() bool {
	return s.MonitorPid > 0 && alive(s.MonitorPid, s.MonitorStart)
}

// List returns the status of every pod, by name.
func List(cfg Config) ([]*Status, error) {
	entries, err := os.ReadDir(filepath.Join(cfg.Root, "pods"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Status
	for _, e := range entries {
		if st, err := Get(cfg, e.Name()); err == nil {
			out = append(out, st)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Stop asks a pod's monitor to stop it (SIGTERM: containers get their
// grace period) and waits until the monitor has removed the sandbox.
func Stop(ctx context.Context, cfg Config, name string) (*Status, error) {
	st, err := Get(cfg, name)
	if err != nil {
		return nil, err
	}
	if st.Terminal() {
		return st, nil
	}
	if !st.monitorAlive() {
		return st, fmt.Errorf("stop pod %s: its monitor is gone: remove it with skiff pod rm -f", name)
	}
	unix.Kill(st.MonitorPid, unix.SIGTERM)
	for st.monitorAlive() {
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("stop pod %s: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return Get(cfg, name)
}

// Remove removes a finished pod and everything it left. A running pod is
// stopped first with force; without force it is an error. force also
// removes pods whose monitor died, from their state on disk.
func Remove(ctx context.Context, cfg Config, name string) error {
	return remove(ctx, cfg, name, false)
}

// ForceRemove is Remove with force (skiff pod rm -f).
func ForceRemove(ctx context.Context, cfg Config, name string) error {
	return remove(ctx, cfg, name, true)
}

func remove(ctx context.Context, cfg Config, name string, force bool) error {
	st, err := Get(cfg, name)
	if err != nil && !(force && errors.Is(err, ErrNotExist) && dirExists(cfg, name)) {
		return err
	}
	if st != nil && st.Terminal() {
		waitMonitor(ctx, st, 30*time.Second) // it may still be writing its last lines
	}
	if st != nil && !st.Terminal() {
		if !force {
			return fmt.Errorf("remove pod %s: it is %s: stop it first or use -f", name, st.Phase)
		}
		if st.monitorAlive() {
			stopCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			Stop(stopCtx, cfg, name)
			cancel()
		}
		if st.monitorAlive() {
			unix.Kill(st.MonitorPid, unix.SIGKILL)
		}
	}
	rt, err := New(cfg, discard)
	if err != nil {
		return err
	}
	return rt.RemovePodSandbox(ctx, name)
}

func dirExists(cfg Config, name string) bool {
	_, err := os.Stat(filepath.Join(cfg.Root, "pods", name))
	return dnsLabel.MatchString(name) && err == nil
}

// waitMonitor waits until the monitor of a pod has exited.
func waitMonitor(ctx context.Context, st *Status, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for st.monitorAlive() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
}
