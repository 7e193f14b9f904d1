package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/image/importer"
	"github.com/skiffrun/skiff/image/process"
	"github.com/skiffrun/skiff/image/pull"
	"github.com/skiffrun/skiff/image/snapshot"
	"github.com/skiffrun/skiff/image/store"
	"github.com/skiffrun/skiff/netns/network"
	"github.com/skiffrun/skiff/runtime/container"
)

// Config wires the engine to its lower layers.
type Config struct {
	Runtime *container.Runtime
	DataDir string           // /var/lib/skiff
	Network *network.Manager // attaches containers
	Log     *slog.Logger
	// Stdio of a foreground container (default: the caller's).
	Stdin, Stdout, Stderr *os.File
}

// Engine runs and manages Docker-style containers.
type Engine struct{ cfg Config }

// New returns an engine.
func New(cfg Config) *Engine { return &Engine{cfg: cfg} }

func (e *Engine) containerDir(id string) string {
	return filepath.Join(e.cfg.DataDir, "containers", id)
}

// Run runs a container: in the foreground, returning its exit status, or
// detached under a monitor, returning as soon as it has started.
func (e *Engine) Run(ctx context.Context, rc RunConfig) (id string, code int, err error) {
	p, err := e.plan(rc)
	if err != nil {
		return "", 0, err
	}
	if rc.Detach {
		return p.id, 0, e.startMonitor(ctx, p.id, rc)
	}
	code, err = e.runHere(ctx, p, nil)
	return p.id, code, err
}

// plan checks the whole request before anything is created.
type runPlan struct {
	id        string
	rc        RunConfig
	volumes   []Volume
	resources *specs.LinuxResources
	placement network.Placement
}

func (e *Engine) plan(rc RunConfig) (*runPlan, error) {
	p := &runPlan{id: rc.Name, rc: rc}
	if p.id == "" {
		p.id = randomID()
	}
	if err := container.ValidateID(p.id); err != nil {
		return nil, fmt.Errorf("--name: %w", err)
	}
	if _, err := container.Load(e.cfg.Runtime.Root, p.id); err == nil {
		return nil, fmt.Errorf("--name %s: %w; remove it with skiff rm %s", p.id, container.ErrExist, p.id)
	}
	if (rc.Image == "") == (rc.Rootfs == "") {
		return nil, errors.New("run: give an IMAGE or --rootfs DIR (not both)")
	}
	if rc.Rootfs != "" {
		if st, err := os.Stat(rc.Rootfs); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--rootfs %s: not a directory", rc.Rootfs)
		}
	}
	if rc.TTY && rc.Detach {
		return nil, errors.New("-t with -d: not supported; attach a terminal with skiff exec -it instead")
	}
	return p, e.checkFlags(p)
}

func (e *Engine) checkFlags(p *runPlan) error {
	for _, v := range p.rc.Volumes {
		vol, err := ParseVolume(v, filepath.Join(e.cfg.DataDir, "volumes"))
		if err != nil {
			return err
		}
		p.volumes = append(p.volumes, vol)
	}
	var err error
	if p.resources, err = p.rc.Resources.Resources(); err != nil {
		return err
	}
	if _, err := network.ParsePorts(p.rc.Ports); err != nil {
		return err
	}
	p.placement, err = e.cfg.Network.Placement(p.rc.Network)
	return err
}

// runHere runs a planned container in this process and cleans up after
// it. started, if set, is called once the program runs (the monitor uses
// it to release the CLI).
func (e *Engine) runHere(ctx context.Context, p *runPlan, started func()) (int, error) {
	r := &run{e: e, p: p}
	spec, err := r.prepare(ctx)
	if err != nil {
		r.cleanup(ctx, true)
		return 0, fmt.Errorf("run %s: %w", p.id, err)
	}
	code, err := e.cfg.Runtime.Run(ctx, container.RunOptions{
		CreateOptions: container.CreateOptions{
			ID: p.id, Spec: spec, Rootfs: spec.Root.Path, Bundle: e.containerDir(p.id),
			Stdin: e.cfg.Stdin, Stdout: e.cfg.Stdout, Stderr: e.cfg.Stderr,
			Prepare: r.attachNetwork, CgroupParent: p.rc.CgroupParent,
		},
		Started: started,
	})
	r.cleanup(ctx, err != nil || p.rc.Remove)
	return code, err
}

// run carries one container's set-up, so cleanup knows what exists.
type run struct {
	e        *Engine
	p        *runPlan
	snapshot *snapshot.Snapshotter
	attached bool // the network was asked to attach (so it must detach)
}

// prepare makes the rootfs, the container's directory and the volumes, and
// returns the OCI config.
func (r *run) prepare(ctx context.Context) (*specs.Spec, error) {
	rc := r.p.rc
	if err := os.MkdirAll(r.e.containerDir(r.p.id), 0o755); err != nil {
		return nil, fmt.Errorf("make container directory: %w", err)
	}
	if err := r.makeVolumes(); err != nil {
		return nil, err
	}
	rootfs, proc, err := r.rootfs(ctx)
	if err != nil {
		return nil, err
	}
	return buildSpec(specInput{
		ID: r.p.id, Config: rc, Process: proc, Rootfs: rootfs, FilesDir: r.e.containerDir(r.p.id),
		Placement: r.p.placement, Volumes: r.p.volumes, Resources: r.p.resources,
	}), nil
}

func (r *run) makeVolumes() error {
	for _, v := range r.p.volumes {
		if err := os.MkdirAll(v.Source, 0o755); err != nil {
			return fmt.Errorf("volume %s: %w", v.Source, err)
		}
	}
	return nil
}

// rootfs gives the container its root filesystem and process: an overlay
// snapshot of the image, or the --rootfs directory as it is.
func (r *run) rootfs(ctx context.Context) (string, *specs.Process, error) {
	rc := r.p.rc
	o := process.Overrides{Cmd: rc.Cmd, Env: rc.Env, WorkingDir: rc.Workdir, User: rc.User}
	if rc.EntrypointSet {
		o.Entrypoint = rc.Entrypoint
		if o.Entrypoint == nil {
			o.Entrypoint = []string{}
		}
	}
	if rc.Rootfs != "" {
		rootfs, err := filepath.Abs(rc.Rootfs)
		if err != nil {
			return "", nil, err
		}
		proc, err := process.Process(defaultImageConfig(), rootfs, o)
		return rootfs, proc, err
	}
	img, snaps, err := r.e.image(ctx, rc)
	if err != nil {
		return "", nil, err
	}
	r.snapshot = snaps
	rootfs, err := snaps.Prepare(ctx, r.p.id, img)
	if err != nil {
		return "", nil, err
	}
	proc, err := process.Process(img.Config.Config, rootfs, o)
	return rootfs, proc, err
}

// image resolves the image (local store first, then busybox from the host,
// then a pull) and opens the snapshotter.
func (e *Engine) image(ctx context.Context, rc RunConfig) (*store.Image, *snapshot.Snapshotter, error) {
	st, err := store.Open(filepath.Join(e.cfg.DataDir, "images"), e.cfg.Log)
	if err != nil {
		return nil, nil, err
	}
	img, err := importer.Resolve(ctx, st, rc.Image, pull.Options{Insecure: rc.Insecure, Log: e.cfg.Log})
	if err != nil {
		return nil, nil, err
	}
	snaps, err := snapshot.New(e.cfg.DataDir, st, e.cfg.Log)
	return img, snaps, err
}

// attachNetwork runs inside create, once the init exists.
func (r *run) attachNetwork(ctx context.Context, pid int) error {
	ports, err := network.ParsePorts(r.p.rc.Ports)
	if err != nil {
		return err
	}
	r.attached = true
	_, err = r.e.cfg.Network.Attach(ctx, r.e.cfg.Log, network.AttachConfig{
		ContainerID: r.p.id, Name: r.p.rc.Name, Hostname: hostname(specInput{ID: r.p.id, Config: r.p.rc}),
		NetnsPath: fmt.Sprintf("/proc/%d/ns/net", pid), Network: r.p.rc.Network,
		Ports: ports, FilesDir: r.e.containerDir(r.p.id),
	})
	return err
}

// cleanup releases the network once the program has exited; with remove
// it also deletes the container, its snapshot and its directory.
func (r *run) cleanup(ctx context.Context, remove bool) {
	log := r.e.cfg.Log
	if r.attached {
		if err := r.e.cfg.Network.Detach(ctx, log, r.p.id); err != nil {
			log.Warn("release network", "id", r.p.id, "err", err)
		}
	}
	if remove {
		r.e.removeLeftovers(ctx, r.p.id, false)
	}
}

func randomID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
