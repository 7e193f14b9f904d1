package pod

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"

	"github.com/skiffrun/skiff/image/process"
	"github.com/skiffrun/skiff/runtime/container"
)

// Container is one run of a pod's container, created by this process,
// which is its parent: Done is closed once it has exited and its output
// is in the log.
type Container struct {
	Name       string
	Restart    int
	Pid        int
	StopSignal syscall.Signal
	LogPath    string

	sb      *Sandbox
	logFile *os.File
	copied  chan struct{}
	done    chan struct{}
	code    int
	ended   time.Time
}

// Done is closed when the container has exited.
func (c *Container) Done() <-chan struct{} { return c.done }

// ExitCode is the exit status once Done is closed (128+N for signal N).
func (c *Container) ExitCode() int { return c.code }

// ExitedAt is when the container's init was reaped.
func (c *Container) ExitedAt() time.Time { return c.ended }

// snapshotID names a container's rootfs snapshot: pod-<pod>-<container>,
// hashed when that exceeds the 128 characters snapshot ids may have.
func (r *Runtime) snapshotID(sb *Sandbox, name string) string {
	id := "pod-" + sb.Name + "-" + name
	if len(id) > 128 {
		sum := sha256.Sum256([]byte(sb.Name + "/" + name))
		id = "pod-" + hex.EncodeToString(sum[:16])
	}
	return id
}

// CreateContainer prepares a fresh rootfs for one run (restart) of c and
// creates it in the sandbox, its stdout and stderr going to
// logs/<name>/<restart>.log in the CRI format.
func (r *Runtime) CreateContainer(ctx context.Context, sb *Sandbox, pod *corev1.Pod, c *corev1.Container, restart int) (*Container, error) {
	ctr, err := r.createContainer(ctx, sb, pod, c, restart)
	if err != nil {
		return nil, fmt.Errorf("create container %s in pod %s: %w", c.Name, pod.Name, err)
	}
	return ctr, nil
}

func (r *Runtime) createContainer(ctx context.Context, sb *Sandbox, pod *corev1.Pod, c *corev1.Container, restart int) (*Container, error) {
	img, err := r.store.Get(c.Image)
	if err != nil {
		return nil, err
	}
	crt := r.containers(sb)
	if _, err := container.Load(crt.Root, c.Name); err == nil {
		if err := crt.Delete(ctx, c.Name, true); err != nil {
			return nil, err
		}
	}
	snapID := r.snapshotID(sb, c.Name)
	if err := r.snaps.Remove(ctx, snapID); err != nil {
		return nil, err
	}
	rootfs, err := r.snaps.Prepare(ctx, snapID, img)
	if err != nil {
		return nil, err
	}
	if err := makeSubPaths(sb, c); err != nil {
		return nil, err
	}
	s, sig, err := r.containerSpec(sb, pod, c, img.Config.Config, rootfs)
	if err != nil {
		return nil, err
	}
	ctr := &Container{Name: c.Name, Restart: restart, StopSignal: sig, sb: sb, LogPath: r.Layout(sb.Name).LogPath(c.Name, restart),
		copied: make(chan struct{}), done: make(chan struct{})}
	if err := ctr.create(ctx, crt, s, rootfs); err != nil {
		return nil, err
	}
	return ctr, nil
}

// containerSpec combines the image config, the manifest and the sandbox.
func (r *Runtime) containerSpec(sb *Sandbox, pod *corev1.Pod, c *corev1.Container, cfg imageConfig, rootfs string) (*specs.Spec, syscall.Signal, error) {
	env := Env(pod, c, sb.IP)
	o := process.Overrides{Cmd: expandAll(c.Args, env), Env: env, WorkingDir: c.WorkingDir, User: UserOf(pod, c)}
	if len(c.Command) > 0 {
		o.Entrypoint = expandAll(c.Command, env)
	}
	proc, err := process.Process(cfg, rootfs, o)
	if err != nil {
		return nil, 0, err
	}
	sig, err := process.StopSignal(cfg)
	if err != nil {
		return nil, 0, err
	}
	files := sb.FilesDir
	s, err := Spec(ContainerPlan{Pod: pod, Container: c, Process: proc, Rootfs: rootfs, PausePid: sb.PausePid, FilesDir: files, Volumes: sb.Volumes})
	return s, sig, err
}

// makeSubPaths creates the subPath directories of c's mounts, as the
// kubelet does, and refuses one that a symlink (made by some container of
// the pod) leads out of its volume.
func makeSubPaths(sb *Sandbox, c *corev1.Container) error {
	for i, m := range c.VolumeMounts {
		if m.SubPath == "" {
			continue
		}
		vol, err := filepath.EvalSymlinks(sb.Volumes[m.Name])
		if err != nil {
			return err
		}
		dir := filepath.Join(vol, filepath.Clean(m.SubPath))
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return fmt.Errorf("volumeMounts[%d].subPath: %w", i, err)
		}
		real, err := filepath.EvalSymlinks(dir)
		if err != nil || (real != vol && !strings.HasPrefix(real, vol+"/")) {
			return fmt.Errorf("volumeMounts[%d].subPath %q: resolves outside volume %s", i, m.SubPath, m.Name)
		}
	}
	return nil
}

// expandAll expands $(VAR) in command and args with the container's env.
func expandAll(args []string, env []string) []string {
	if args == nil {
		return nil
	}
	vals := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vals[k] = v
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = expand(a, vals)
	}
	return out
}

// create runs the OCI create with pipes for stdout and stderr.
func (c *Container) create(ctx context.Context, crt *container.Runtime, s *specs.Spec, rootfs string) error {
	if err := os.MkdirAll(strings.TrimSuffix(c.LogPath, fmt.Sprintf("/%d.log", c.Restart)), 0o711); err != nil {
		return err
	}
	logFile, err := os.OpenFile(c.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		logFile.Close()
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		logFile.Close()
		outR.Close()
		outW.Close()
		return err
	}
	devnull, _ := os.Open(os.DevNull)
	created, err := crt.Create(ctx, container.CreateOptions{ID: c.Name, Spec: s, Rootfs: rootfs, Bundle: crt.Root,
		Stdin: devnull, Stdout: outW, Stderr: errW})
	devnull.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		logFile.Close()
		return err
	}
	c.Pid, c.logFile = created.State.Pid, logFile
	c.copyLogs(outR, errR)
	return nil
}

func (c *Container) copyLogs(outR, errR *os.File) {
	lw := &logWriter{w: c.logFile, now: time.Now}
	left := make(chan struct{}, 2)
	for stream, f := range map[string]*os.File{"stdout": outR, "stderr": errR} {
		go func() {
			lw.copyStream(stream, f)
			f.Close()
			left <- struct{}{}
		}()
	}
	go func() {
		<-left
		<-left
		close(c.copied)
	}()
}

// StartContainer releases a created container and starts waiting for it.
//
// It opens exec.fifo itself instead of calling container.Runtime.Start,
// which polls the init and can report a container that started and exited
// within one poll (a `true`) as "exited before start"; here the reaper
// runs first and the fifo's byte decides.
func (r *Runtime) StartContainer(ctx context.Context, c *Container) error {
	go c.wait()
	if err := c.release(ctx, r.containers(c.sb).Root); err != nil {
		return fmt.Errorf("start container %s in pod %s: %w", c.Name, c.sb.Name, err)
	}
	return nil
}

func (c *Container) release(ctx context.Context, root string) error {
	fifo := filepath.Join(container.Dir(root, c.Name), "exec.fifo")
	read := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_RDONLY, 0)
		if err != nil {
			read <- err
			return
		}
		defer f.Close()
		if n, err := f.Read(make([]byte, 1)); n != 1 {
			read <- fmt.Errorf("read exec.fifo: init closed it without starting (%v)", err)
			return
		}
		read <- nil
	}()
	select {
	case err := <-read:
		if err == nil {
			os.Remove(fifo)
		}
		return err
	case <-c.done:
		select {
		case err := <-read:
			return err
		case <-time.After(100 * time.Millisecond):
		}
		f, err := os.OpenFile(fifo, os.O_WRONLY|unix.O_NONBLOCK, 0) // unblock our reader
		if err == nil {
			f.Close()
		}
		return fmt.Errorf("container init exited before start (status %d)", c.code)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait reaps the container's init (we are its parent), then gives the log
// copiers a moment to drain what is left in the pipes.
func (c *Container) wait() {
	c.code = 255
	if p, err := os.FindProcess(c.Pid); err == nil {
		if ps, err := p.Wait(); err == nil {
			c.code = exitCode(ps)
		}
	}
	c.ended = time.Now().UTC()
	select {
	case <-c.copied:
	case <-time.After(2 * time.Second): // a left-over process holds the pipe
	}
	c.logFile.Close()
	close(c.done)
}

func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// StopContainer sends the container its stop signal, waits up to grace
// for it to exit, then kills every process in its cgroup.
func (r *Runtime) StopContainer(ctx context.Context, c *Container, grace time.Duration) error {
	crt := r.containers(c.sb)
	if err := crt.Kill(ctx, c.Name, unix.Signal(c.StopSignal)); err != nil && !errors.Is(err, container.ErrState) {
		return err
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(grace):
	case <-ctx.Done():
	}
	if err := crt.KillAll(context.WithoutCancel(ctx), c.Name, unix.SIGKILL); err != nil {
		r.log.Debug("kill container", "container", c.Name, "err", err)
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("stop container %s: still running after SIGKILL", c.Name)
	}
}

// RemoveContainer deletes a container's OCI state, cgroup and rootfs
// (its logs stay until the pod is removed).
func (r *Runtime) RemoveContainer(ctx context.Context, sb *Sandbox, name string) error {
	crt := r.containers(sb)
	var errs []error
	if _, err := container.Load(crt.Root, name); err == nil {
		errs = append(errs, crt.Delete(ctx, name, true))
	}
	errs = append(errs, r.snaps.Remove(ctx, r.snapshotID(sb, name)))
	return errors.Join(errs...)
}

// removeContainers removes every container of the sandbox.
func (r *Runtime) removeContainers(ctx context.Context, sb *Sandbox) error {
	var errs []error
	names, _ := r.containerNames(sb)
	for _, n := range names {
		errs = append(errs, r.RemoveContainer(ctx, sb, n))
	}
	return errors.Join(errs...)
}

// containerNames lists the containers with OCI state or a rootfs.
func (r *Runtime) containerNames(sb *Sandbox) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	states, err := container.List(r.containers(sb).Root)
	for _, st := range states {
		seen[st.ID] = true
		out = append(out, st.ID)
	}
	var pod corev1.Pod
	if readJSON(r.Layout(sb.Name).manifest(), &pod) == nil {
		for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
			if !seen[c.Name] {
				out = append(out, c.Name)
			}
		}
	}
	return out, err
}

type imageConfig = v1.Config
