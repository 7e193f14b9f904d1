package pod

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// Launch is what `skiff pod run` hands the monitor on its stdin.
type Launch struct {
	Config Config      `json:"config"`
	Pod    *corev1.Pod `json:"pod"`
	Debug  bool        `json:"debug,omitempty"`
}

// monitorReadyFd is where the monitor reports the sandbox: "ok IP" or an
// error message.
const monitorReadyFd = 3

// MonitorMain is `skiff pod-monitor`: read the Launch from stdin, make the
// sandbox, report on fd 3, then run the pod until it completes or
// SIGTERM/SIGINT asks it to stop, and remove the sandbox (keeping the
// status and logs for `skiff pod logs` and `rm`).
func MonitorMain() error {
	ready := os.NewFile(monitorReadyFd, "ready")
	os.Chdir("/") // hold no directory of the caller's busy
	var l Launch
	if err := json.NewDecoder(os.Stdin).Decode(&l); err != nil {
		fmt.Fprintf(ready, "read launch config: %v", err)
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), unix.SIGTERM, unix.SIGINT)
	defer stop()
	m, err := startMonitor(ctx, l, ready)
	if err != nil {
		fmt.Fprint(ready, err.Error())
		return err
	}
	return m.run(ctx)
}

// monitor runs one pod: it is the parent of the pod's containers.
type monitor struct {
	rt      *Runtime
	sb      *Sandbox
	pod     *corev1.Pod
	st      *Status
	layout  Layout
	log     *slog.Logger
	exits   chan *Container
	running map[string]*Container
	ready   *os.File // told "ok IP" once the first containers have started
}

func startMonitor(ctx context.Context, l Launch, ready *os.File) (*monitor, error) {
	level := slog.LevelInfo
	if l.Debug {
		level = slog.LevelDebug
	}
	quiet := slog.New(slog.DiscardHandler)
	rt, err := New(l.Config, quiet)
	if err != nil {
		return nil, err
	}
	sb, err := rt.RunPodSandbox(ctx, l.Pod)
	if err != nil {
		return nil, err
	}
	layout := rt.Layout(l.Pod.Name)
	logFile, err := os.OpenFile(layout.monitorLog(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		rt.removeSandbox(context.WithoutCancel(ctx), sb, false)
		return nil, err
	}
	rt.log = slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: level})).With("pod", l.Pod.Name)
	m := &monitor{rt: rt, sb: sb, pod: l.Pod, layout: layout, log: rt.log,
		exits: make(chan *Container, len(l.Pod.Spec.InitContainers)+len(l.Pod.Spec.Containers)+1), running: map[string]*Container{}}
	m.st = newStatus(l.Pod)
	m.st.MonitorPid, m.st.PausePid, m.st.IP = os.Getpid(), sb.PausePid, sb.IP
	m.st.MonitorStart, _ = startTime(os.Getpid())
	if err := m.save(); err != nil {
		rt.removeSandbox(context.WithoutCancel(ctx), sb, false)
		return nil, err
	}
	m.ready = ready
	m.log.Info("sandbox ready", "ip", sb.IP, "pause", sb.PausePid)
	return m, nil
}

func (m *monitor) save() error { return writeJSON(m.layout.status(), m.st) }

func (m *monitor) policy() corev1.RestartPolicy {
	if p := m.pod.Spec.RestartPolicy; p != "" {
		return p
	}
	return corev1.RestartPolicyAlways
}

// run is the pod's sync loop: decide, start what is due, wait for an exit,
// a back-off to end, a stop request or the pause process to die.
func (m *monitor) run(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d := decide(time.Now(), m.policy(), m.st.Containers)
		if len(d.Start) > 0 {
			for _, name := range d.Start {
				m.start(ctx, name)
			}
			continue
		}
		if d.Done { // the phase is recorded once the sandbox is gone
			m.reportReady()
			return m.finish(ctx, d.Phase, "")
		}
		m.st.Phase = d.Phase
		m.markBackoff()
		m.save()
		m.reportReady()
		resetTimer(timer, d.WakeAt)
		select {
		case c := <-m.exits:
			m.exited(c)
		case <-timer.C:
		case <-ctx.Done():
			return m.finish(ctx, "", "Stopped")
		case <-m.rt.PauseExited(m.sb.Name):
			m.log.Warn("pause process exited: stopping the pod")
			return m.finish(ctx, corev1.PodFailed, "SandboxExited")
		}
	}
}

// reportReady tells `skiff pod run` that the pod is under way, after the
// first round of starts (so exec and logs work when it returns).
func (m *monitor) reportReady() {
	if m.ready == nil {
		return
	}
	fmt.Fprint(m.ready, "ok "+m.sb.IP)
	m.ready.Close()
	m.ready = nil
}

func resetTimer(t *time.Timer, at time.Time) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	d := time.Hour
	if !at.IsZero() {
		d = max(time.Until(at), 0)
	}
	t.Reset(d)
}

// markBackoff shows waiting containers as Kubernetes does.
func (m *monitor) markBackoff() {
	for i := range m.st.Containers {
		c := &m.st.Containers[i]
		if c.State == StateTerminated && willRestart(c, m.policy()) && time.Now().Before(c.NextStart) && c.ExitCode != 0 {
			c.Reason = "CrashLoopBackOff"
			c.Message = fmt.Sprintf("back-off %s restarting failed container", time.Until(c.NextStart).Round(time.Second))
		}
	}
}

// spec finds a container of the manifest by name.
func (m *monitor) spec(name string) *corev1.Container {
	for _, list := range [][]corev1.Container{m.pod.Spec.InitContainers, m.pod.Spec.Containers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// start creates and starts one run of a container; a failure counts as
// an exit with status 128, so the back-off applies.
func (m *monitor) start(ctx context.Context, name string) {
	cs, _ := m.st.Container(name)
	if cs.Started {
		cs.RestartCount++
	}
	cs.Started, cs.Message = true, ""
	c, err := m.rt.CreateContainer(ctx, m.sb, m.pod, m.spec(name), cs.RestartCount)
	if err == nil {
		if err = m.rt.StartContainer(ctx, c); err != nil {
			m.rt.RemoveContainer(context.WithoutCancel(ctx), m.sb, name)
		}
	}
	now := time.Now().UTC()
	if err != nil {
		m.log.Error("start container", "container", name, "err", err)
		cs.StartedAt = now
		exited(cs, 128, now, m.rt.cfg.Backoff)
		cs.Reason, cs.Message = "StartError", err.Error()
		return
	}
	m.log.Info("container started", "container", name, "restart", cs.RestartCount, "pid", c.Pid)
	cs.State, cs.Reason, cs.Pid, cs.StartedAt, cs.FinishedAt = StateRunning, "", c.Pid, now, time.Time{}
	m.running[name] = c
	go func() {
		<-c.Done()
		m.exits <- c
	}()
}

func (m *monitor) exited(c *Container) {
	delete(m.running, c.Name)
	cs, _ := m.st.Container(c.Name)
	exited(cs, c.ExitCode(), c.ExitedAt(), m.rt.cfg.Backoff)
	m.log.Info("container exited", "container", c.Name, "code", c.ExitCode(), "restart", c.Restart)
}

// finish stops what still runs (app containers together, then sidecars in
// reverse order, each given the grace period), removes the sandbox and
// records the final phase.
func (m *monitor) finish(ctx context.Context, phase corev1.PodPhase, reason string) error {
	bg := context.WithoutCancel(ctx)
	deadline := time.Now().Add(m.grace())
	m.stopKind(bg, deadline, KindApp, KindInit)
	for i := len(m.st.Containers) - 1; i >= 0; i-- {
		if c := m.running[m.st.Containers[i].Name]; c != nil {
			m.stopOne(bg, deadline, c)
		}
	}
	m.drainExits()
	if phase == "" {
		phase = finalPhase(m.st.Containers)
	}
	m.st.Phase, m.st.Reason, m.st.Finished = phase, reason, time.Now().UTC()
	for i := range m.st.Containers {
		if c := &m.st.Containers[i]; c.State == StateTerminated && c.Reason == "CrashLoopBackOff" {
			c.Reason, c.Message = "Error", ""
		}
	}
	err := m.rt.removeSandbox(bg, m.sb, true)
	if err != nil {
		m.log.Error("remove sandbox", "err", err)
	}
	m.st.PausePid = 0
	m.save()
	m.log.Info("pod finished", "phase", phase, "reason", reason)
	return err
}

func (m *monitor) grace() time.Duration {
	if g := m.pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}

// stopKind stops the running containers of the given kinds in parallel.
func (m *monitor) stopKind(ctx context.Context, deadline time.Time, kinds ...string) {
	done := make(chan struct{})
	n := 0
	for _, cs := range m.st.Containers {
		c := m.running[cs.Name]
		if c == nil || !contains(kinds, cs.Kind) {
			continue
		}
		n++
		go func() {
			m.stopOne(ctx, deadline, c)
			done <- struct{}{}
		}()
	}
	for ; n > 0; n-- {
		<-done
	}
}

// minGrace is what every container gets even when the pod's grace period
// is used up (the kubelet's minimum too), so sidecars stopped last still
// see their SIGTERM.
const minGrace = 2 * time.Second

func (m *monitor) stopOne(ctx context.Context, deadline time.Time, c *Container) {
	grace := time.Until(deadline)
	if m.grace() > 0 {
		grace = max(grace, minGrace)
	}
	if err := m.rt.StopContainer(ctx, c, max(grace, 0)); err != nil {
		m.log.Error("stop container", "container", c.Name, "err", err)
	}
}

// drainExits records the exits of containers stopped by finish.
func (m *monitor) drainExits() {
	for len(m.running) > 0 {
		select {
		case c := <-m.exits:
			m.exited(c)
			cs, _ := m.st.Container(c.Name)
			cs.NextStart = time.Time{}
		case <-time.After(15 * time.Second):
			return
		}
	}
}

// finalPhase: Succeeded when every app container that ran exited 0.
func finalPhase(cs []ContainerStatus) corev1.PodPhase {
	for _, c := range cs {
		if c.Kind == KindApp && (!c.Started || c.ExitCode != 0) {
			return corev1.PodFailed
		}
	}
	return corev1.PodSucceeded
}
