package pod

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Container kinds, in the order a pod starts them.
const (
	KindInit    = "init"
	KindSidecar = "sidecar" // an init container with restartPolicy Always
	KindApp     = "app"
)

// Container states, as Kubernetes names them.
const (
	StateWaiting    = "waiting"
	StateRunning    = "running"
	StateTerminated = "terminated"
)

// Status is what the monitor records in <root>/pods/<name>/status.json
// after every change, and what `skiff pod ls` and `inspect` show.
type Status struct {
	Name          string               `json:"name"`
	Namespace     string               `json:"namespace"`
	Phase         corev1.PodPhase      `json:"phase"`
	RestartPolicy corev1.RestartPolicy `json:"restartPolicy"`
	Reason        string               `json:"reason,omitempty"`
	IP            string               `json:"ip,omitempty"`
	HostNet       bool                 `json:"hostNetwork,omitempty"`
	MonitorPid    int                  `json:"monitorPid,omitempty"`
	MonitorStart  uint64               `json:"monitorStart,omitempty"`
	PausePid      int                  `json:"pausePid,omitempty"`
	Created       time.Time            `json:"created"`
	Finished      time.Time            `json:"finished,omitzero"`
	Containers    []ContainerStatus    `json:"containers"` // init containers and sidecars first, in manifest order
}

// ContainerStatus is one container of the pod, across its restarts.
type ContainerStatus struct {
	Name         string    `json:"name"`
	Kind         string    `json:"kind"`
	Image        string    `json:"image"`
	State        string    `json:"state"`
	Reason       string    `json:"reason,omitempty"`
	Message      string    `json:"message,omitempty"`
	Pid          int       `json:"pid,omitempty"`
	ExitCode     int       `json:"exitCode"`
	RestartCount int       `json:"restartCount"`
	Started      bool      `json:"started"` // ever started
	StartedAt    time.Time `json:"startedAt,omitzero"`
	FinishedAt   time.Time `json:"finishedAt,omitzero"`
	NextStart    time.Time `json:"nextStart,omitzero"` // back-off: not before
	BackoffN     int       `json:"backoff"`            // restarts since the back-off was reset
}

// Ready counts the running app containers and all app containers.
func (s *Status) Ready() (ready, total int) {
	for _, c := range s.Containers {
		if c.Kind == KindApp {
			total++
			if c.State == StateRunning {
				ready++
			}
		}
	}
	return ready, total
}

// Restarts is the sum of the containers' restart counts.
func (s *Status) Restarts() int {
	n := 0
	for _, c := range s.Containers {
		n += c.RestartCount
	}
	return n
}

// Container finds a container's status by name.
func (s *Status) Container(name string) (*ContainerStatus, error) {
	for i := range s.Containers {
		if s.Containers[i].Name == name {
			return &s.Containers[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNoContainer, name)
}

// Terminal reports whether the pod has finished for good.
func (s *Status) Terminal() bool {
	return s.Phase == corev1.PodSucceeded || s.Phase == corev1.PodFailed
}

// newStatus lists the pod's containers in start order.
func newStatus(pod *corev1.Pod) *Status {
	st := &Status{Name: pod.Name, Namespace: namespaceOf(pod), Phase: corev1.PodPending, HostNet: pod.Spec.HostNetwork, Created: time.Now().UTC()}
	st.RestartPolicy = pod.Spec.RestartPolicy
	if st.RestartPolicy == "" {
		st.RestartPolicy = corev1.RestartPolicyAlways
	}
	for _, c := range pod.Spec.InitContainers {
		kind := KindInit
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			kind = KindSidecar
		}
		st.Containers = append(st.Containers, ContainerStatus{Name: c.Name, Kind: kind, Image: c.Image, State: StateWaiting})
	}
	for _, c := range pod.Spec.Containers {
		st.Containers = append(st.Containers, ContainerStatus{Name: c.Name, Kind: KindApp, Image: c.Image, State: StateWaiting})
	}
	return st
}

// Layout names the files of one pod.
type Layout struct{ Dir string }

func (l Layout) status() string         { return filepath.Join(l.Dir, "status.json") }
func (l Layout) manifest() string       { return filepath.Join(l.Dir, "pod.json") }
func (l Layout) sandbox() string        { return filepath.Join(l.Dir, "sandbox.json") }
func (l Layout) launch() string         { return filepath.Join(l.Dir, "launch.json") }
func (l Layout) containers() string     { return filepath.Join(l.Dir, "containers") }
func (l Layout) etc() string            { return filepath.Join(l.Dir, "etc") }
func (l Layout) monitorLog() string     { return filepath.Join(l.Dir, "monitor.log") }
func (l Layout) logDir(c string) string { return filepath.Join(l.Dir, "logs", c) }

// LogPath is the log of one run of a container: logs/<container>/<restart>.log.
func (l Layout) LogPath(container string, restart int) string {
	return filepath.Join(l.logDir(container), fmt.Sprintf("%d.log", restart))
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// readStatus reads a pod's status; a pod whose status was never written
// is reported as not existing.
func readStatus(l Layout) (*Status, error) {
	var st Status
	err := readJSON(l.status(), &st)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotExist, filepath.Base(l.Dir))
	}
	return &st, err
}
