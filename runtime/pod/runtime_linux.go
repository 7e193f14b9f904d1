package pod

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/image/snapshot"
	"github.com/skiffrun/skiff/image/store"
	"github.com/skiffrun/skiff/netns/network"
	"github.com/skiffrun/skiff/runtime/container"
)

// Config says where a pod runtime keeps things. Tests point every field
// at temporary places: their own network namespace as the host, a nested
// cgroup parent, temporary state and data directories.
type Config struct {
	Root         string // runtime state; pods under <Root>/pods, networks under <Root>/net
	DataDir      string // images, snapshots, networks, emptyDir volumes under <DataDir>/pods
	HostNetns    string // the namespace of bridges and nftables rules, and of hostNetwork pods; "" = ours
	CgroupParent string // holds the pod cgroups; "" = /skiff on cgroup v2, skiff below our own cgroup otherwise
	Self         string // the skiff binary, re-executed as pause, init and pod-monitor; "" = this one
	ResolvConf   string // copied into pods; "" = /etc/resolv.conf
	HostsFile    string // copied into hostNetwork pods; "" = /etc/hosts
	Backoff      Backoff
}

// Runtime is the pod runtime of one host, shaped after CRI's
// RuntimeService: sandboxes (RunPodSandbox, StopPodSandbox,
// RemovePodSandbox, ListPodSandbox) and their containers
// (CreateContainer, StartContainer, StopContainer, RemoveContainer,
// ContainerStatus), plus Exec and PortForward. The process that starts a
// container through it is the container's parent and must call Wait.
type Runtime struct {
	cfg   Config
	log   *slog.Logger
	net   *network.Manager
	store *store.Store
	snaps *snapshot.Snapshotter

	mu     sync.Mutex
	pauses map[string]chan struct{} // pause processes we started: closed when reaped
}

// New opens the image store, the snapshots and the network manager.
func New(cfg Config, log *slog.Logger) (*Runtime, error) {
	if log == nil {
		log = discard
	}
	if cfg.Root == "" || cfg.DataDir == "" {
		return nil, fmt.Errorf("pod runtime: Root and DataDir are required")
	}
	if cfg.Self == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("pod runtime: find own binary: %w", err)
		}
		cfg.Self = self
	}
	if cfg.CgroupParent == "" {
		cfg.CgroupParent = defaultCgroupParent()
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, "images"), log)
	if err != nil {
		return nil, err
	}
	snaps, err := snapshot.New(cfg.DataDir, st, log)
	if err != nil {
		return nil, err
	}
	nm, err := network.New(network.Config{
		StateDir: filepath.Join(cfg.Root, "net"), ConfigDir: filepath.Join(cfg.DataDir, "networks"),
		HostNS: cfg.HostNetns, ResolvConf: cfg.ResolvConf, HostsFile: cfg.HostsFile,
	})
	if err != nil {
		return nil, err
	}
	return &Runtime{cfg: cfg, log: log, net: nm, store: st, snaps: snaps, pauses: map[string]chan struct{}{}}, nil
}

// Store is the image store pods take their images from.
func (r *Runtime) Store() *store.Store { return r.store }

// defaultCgroupParent follows the container runtime: /skiff on a pure v2
// host, skiff below our own cgroup on v1 and hybrid hosts.
func defaultCgroupParent() string {
	if mode, err := cgroups.DetectMode(); err == nil && mode.V2() {
		return "/skiff"
	}
	return "skiff"
}

// Layout returns the files of pod name.
func (r *Runtime) Layout(name string) Layout {
	return Layout{Dir: filepath.Join(r.cfg.Root, "pods", name)}
}

func (r *Runtime) volumesDir(name string) string {
	return filepath.Join(r.cfg.DataDir, "pods", name)
}

// containers is the OCI runtime holding a pod's containers.
func (r *Runtime) containers(sb *Sandbox) *container.Runtime {
	return &container.Runtime{Root: r.Layout(sb.Name).containers(), CgroupParent: sb.CgroupParent, Self: r.cfg.Self, Log: r.log}
}

var discard = slog.New(slog.DiscardHandler)

// ListPodSandbox returns the sandboxes recorded under the root, by name.
func (r *Runtime) ListPodSandbox() ([]*Sandbox, error) {
	entries, err := os.ReadDir(filepath.Join(r.cfg.Root, "pods"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Sandbox
	for _, e := range entries {
		if sb, err := r.loadSandbox(e.Name()); err == nil {
			out = append(out, sb)
		}
	}
	return out, nil
}

// PodSandboxStatus reads one sandbox; Ready reports whether its pause
// process still runs.
func (r *Runtime) PodSandboxStatus(name string) (sb *Sandbox, ready bool, err error) {
	if sb, err = r.loadSandbox(name); err != nil {
		return nil, false, err
	}
	return sb, alive(sb.PausePid, sb.PauseStart), nil
}

// ListContainers returns the OCI state of a sandbox's containers (their
// Status() says created, running or stopped).
func (r *Runtime) ListContainers(sb *Sandbox) ([]*container.State, error) {
	return container.List(r.containers(sb).Root)
}

// ContainerStatus returns the OCI state of one container of a sandbox.
func (r *Runtime) ContainerStatus(sb *Sandbox, name string) (*container.State, error) {
	return container.Load(r.containers(sb).Root, name)
}
