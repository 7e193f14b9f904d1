package pod

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/netns/nat"
	"github.com/skiffrun/skiff/netns/network"
	"github.com/skiffrun/skiff/runtime/container"
	"github.com/skiffrun/skiff/runtime/namespace"
)

// Sandbox is what RunPodSandbox made, recorded in sandbox.json so that any
// process can later remove it.
type Sandbox struct {
	Name         string            `json:"name"`
	PausePid     int               `json:"pausePid"`
	PauseStart   uint64            `json:"pauseStart"`
	IP           string            `json:"ip,omitempty"`
	NetID        string            `json:"netID,omitempty"`
	CgroupPaths  map[string]string `json:"cgroupPaths,omitempty"`
	CgroupParent string            `json:"cgroupParent"` // the pod cgroup, parent of the containers'
	Volumes      map[string]string `json:"volumes,omitempty"`
	Tmpfs        []string          `json:"tmpfs,omitempty"` // emptyDir medium Memory mounts
	HostNetwork  bool              `json:"hostNetwork,omitempty"`
	FilesDir     string            `json:"filesDir,omitempty"`
}

// RunPodSandbox makes a pod's sandbox: state directory, volumes, pod
// cgroup, pause process and network. On error nothing of it remains.
func (r *Runtime) RunPodSandbox(ctx context.Context, pod *corev1.Pod) (*Sandbox, error) {
	l := r.Layout(pod.Name)
	if err := os.MkdirAll(filepath.Dir(l.Dir), 0o711); err != nil {
		return nil, err
	}
	if err := os.Mkdir(l.Dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%w: %s: remove it with skiff pod rm", ErrExist, pod.Name)
		}
		return nil, err
	}
	sb := &Sandbox{Name: pod.Name, NetID: "pod-" + pod.Name, HostNetwork: pod.Spec.HostNetwork, FilesDir: l.etc()}
	steps := []struct {
		name string
		do   func() error
	}{
		{"write manifest", func() error { return writeJSON(l.manifest(), pod) }},
		{"make directories", func() error { return mkdirs(l.containers(), l.etc(), filepath.Join(l.Dir, "logs")) }},
		{"make volumes", func() error { return r.makeVolumes(sb, pod) }},
		{"create pod cgroup", func() error { return r.createCgroup(sb) }},
		{"start pause", func() error { return r.startPause(ctx, sb, pod) }},
		{"attach network", func() error { return r.attachNetwork(ctx, sb, pod) }},
		{"record sandbox", func() error { return writeJSON(l.sandbox(), sb) }},
	}
	for _, s := range steps {
		r.log.Debug("run pod sandbox", "pod", pod.Name, "step", s.name)
		if err := s.do(); err != nil {
			r.removeSandbox(context.WithoutCancel(ctx), sb, false)
			return nil, fmt.Errorf("run pod sandbox %s: %s: %w", pod.Name, s.name, err)
		}
	}
	return sb, nil
}

func mkdirs(dirs ...string) error {
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return err
		}
	}
	return nil
}

// makeVolumes makes each emptyDir (a tmpfs for medium Memory) and
// hostPath of type ...OrCreate.
func (r *Runtime) makeVolumes(sb *Sandbox, pod *corev1.Pod) error {
	sb.Volumes = map[string]string{}
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.EmptyDir != nil:
			dir := filepath.Join(r.volumesDir(pod.Name), "volumes", v.Name)
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return err
			}
			os.Chmod(dir, 0o777) // as Kubernetes: any user of the pod can write
			sb.Volumes[v.Name] = dir
			if v.EmptyDir.Medium == corev1.StorageMediumMemory {
				var size int64
				if l := v.EmptyDir.SizeLimit; l != nil {
					size = l.Value()
				}
				if err := mountTmpfs(dir, size); err != nil {
					return fmt.Errorf("volume %s: %w", v.Name, err)
				}
				sb.Tmpfs = append(sb.Tmpfs, dir)
			}
		case v.HostPath != nil:
			if err := ensureHostPath(v.HostPath); err != nil {
				return fmt.Errorf("volume %s: %w", v.Name, err)
			}
			sb.Volumes[v.Name] = v.HostPath.Path
		}
	}
	return nil
}

// mountTmpfs mounts a tmpfs of at most size bytes (0: the kernel's
// default, half of RAM) on dir.
func mountTmpfs(dir string, size int64) error {
	opts := "mode=1777"
	if size > 0 {
		opts += ",size=" + strconv.FormatInt(size, 10)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
	}
	return nil
}

func ensureHostPath(h *corev1.HostPathVolumeSource) error {
	t := corev1.HostPathUnset
	if h.Type != nil {
		t = *h.Type
	}
	st, err := os.Stat(h.Path)
	switch t {
	case corev1.HostPathDirectoryOrCreate:
		if errors.Is(err, os.ErrNotExist) {
			return os.MkdirAll(h.Path, 0o755)
		}
	case corev1.HostPathFileOrCreate:
		if errors.Is(err, os.ErrNotExist) {
			f, err := os.OpenFile(h.Path, os.O_CREATE|os.O_WRONLY, 0o644)
			if err == nil {
				f.Close()
			}
			return err
		}
	case corev1.HostPathDirectory:
		if err != nil || !st.IsDir() {
			return fmt.Errorf("hostPath %s: not a directory", h.Path)
		}
	case corev1.HostPathFile:
		if err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("hostPath %s: not a file", h.Path)
		}
	}
	return nil
}

// createCgroup makes the pod cgroup; containers go below it, the pause
// process into its child "pause" (cgroup v2 allows processes only in
// leaves).
func (r *Runtime) createCgroup(sb *Sandbox) error {
	id := "pod-" + sb.Name
	m, err := cgroups.New("", cgroups.Options{ID: id, Parent: r.cfg.CgroupParent, Log: r.log})
	if err != nil {
		return err
	}
	err = m.Create(&specs.LinuxResources{})
	if errors.Is(err, fs.ErrNotExist) {
		// The removal of the last other pod or container took the parent
		// between two of our mkdirs (container.RemoveEmptyParent): again.
		err = m.Create(&specs.LinuxResources{})
	}
	if err != nil {
		return err
	}
	sb.CgroupPaths = m.Paths()
	sb.CgroupParent = path.Join(r.cfg.CgroupParent, id)
	return nil
}

// startPause starts `skiff pod-pause` in the pod's new namespaces (joining the
// host namespace for hostNetwork) inside the pod cgroup, and waits until
// it reports ready on its pipe.
func (r *Runtime) startPause(ctx context.Context, sb *Sandbox, pod *corev1.Pod) error {
	cg, err := cgroups.New("", cgroups.Options{ID: "pause", Parent: sb.CgroupParent, Log: r.log})
	if err != nil {
		return err
	}
	if err := cg.Create(&specs.LinuxResources{}); err != nil {
		return err
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		return err
	}
	defer rd.Close()
	cmd, joins := r.pauseCommand(pod, wr)
	if f, err := cg.CgroupFD(); err == nil {
		defer f.Close()
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, int(f.Fd())
	}
	err = namespace.StartIn(joins, cmd.Start)
	wr.Close()
	if err != nil {
		return fmt.Errorf("start pause: %w", err)
	}
	sb.PausePid = cmd.Process.Pid
	r.watchPause(sb.Name, cmd)
	if err := cg.Apply(sb.PausePid); err != nil {
		return err
	}
	msg, _ := io.ReadAll(io.LimitReader(rd, 4096))
	if string(msg) != "ok" {
		return fmt.Errorf("pause: %s", strings.TrimSpace(string(msg)))
	}
	sb.PauseStart, err = startTime(sb.PausePid)
	return err
}

func (r *Runtime) pauseCommand(pod *corev1.Pod, ready *os.File) (*exec.Cmd, []namespace.Join) {
	flags := uintptr(unix.CLONE_NEWIPC)
	hostname := ""
	var joins []namespace.Join
	if pod.Spec.HostNetwork {
		if r.cfg.HostNetns != "" {
			joins = append(joins, namespace.Join{Type: specs.NetworkNamespace, Path: r.cfg.HostNetns})
		}
	} else {
		flags |= unix.CLONE_NEWNET | unix.CLONE_NEWUTS
		hostname = hostnameOf(pod)
	}
	if shares(pod.Spec.ShareProcessNamespace) {
		flags |= unix.CLONE_NEWPID
	}
	cmd := exec.Command(r.cfg.Self, "pod-pause", hostname)
	cmd.Args[0] = "skiff-pause"
	cmd.ExtraFiles = []*os.File{ready}
	cmd.Env = []string{}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags, Setsid: true}
	return cmd, joins
}

func hostnameOf(pod *corev1.Pod) string {
	if pod.Spec.Hostname != "" {
		return pod.Spec.Hostname
	}
	return pod.Name
}

// watchPause reaps the pause process we started; PauseExited tells when.
func (r *Runtime) watchPause(name string, cmd *exec.Cmd) {
	done := make(chan struct{})
	r.mu.Lock()
	r.pauses[name] = done
	r.mu.Unlock()
	go func() {
		cmd.Wait()
		close(done)
	}()
}

// PauseExited is closed when the pause process of a sandbox this runtime
// started has exited (nil for sandboxes started by another process).
func (r *Runtime) PauseExited(name string) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pauses[name]
}

// attachNetwork gives the pod its IP (or the host's network) and writes
// hosts, hostname and resolv.conf for its containers.
func (r *Runtime) attachNetwork(ctx context.Context, sb *Sandbox, pod *corev1.Pod) error {
	cfg := network.AttachConfig{ContainerID: sb.NetID, Name: pod.Name, Hostname: hostnameOf(pod),
		NetnsPath: fmt.Sprintf("/proc/%d/ns/net", sb.PausePid), Ports: HostPorts(pod), FilesDir: sb.FilesDir}
	if pod.Spec.HostNetwork {
		cfg.Network, cfg.Ports = network.KindHost, nil
	}
	a, err := r.net.Attach(ctx, r.log, cfg)
	if err != nil {
		return err
	}
	if a.IP.IsValid() {
		sb.IP = a.IP.Addr().String()
	}
	return nil
}

// HostPorts lists the ports a pod publishes on the host (hostPort).
func HostPorts(pod *corev1.Pod) []nat.PortMapping {
	var out []nat.PortMapping
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			m := nat.PortMapping{HostPort: uint16(p.HostPort), ContainerPort: uint16(p.ContainerPort), Proto: protocolOf(p)}
			m.HostIP, _ = parseAddr(p.HostIP)
			out = append(out, m)
		}
	}
	return out
}

// StopPodSandbox kills every process of the sandbox (containers and
// pause) and takes its network away. Graceful stops are StopContainer's.
func (r *Runtime) StopPodSandbox(ctx context.Context, name string) error {
	sb, err := r.loadSandbox(name)
	if err != nil {
		return err
	}
	return r.stopSandbox(ctx, sb)
}

func (r *Runtime) stopSandbox(ctx context.Context, sb *Sandbox) error {
	var errs []error
	// Detach first: while the namespace lives, the veth is deleted at
	// once; after, the kernel deletes it whenever it frees the namespace.
	if sb.NetID != "" {
		errs = append(errs, r.net.Detach(ctx, r.log, sb.NetID))
	}
	if len(sb.CgroupPaths) > 0 {
		if m, err := cgroups.Load(sb.CgroupPaths, r.log); err == nil {
			errs = append(errs, m.KillAll(ctx))
		}
	}
	r.killPause(ctx, sb)
	return errors.Join(errs...)
}

// killPause SIGKILLs the pause process (if it is still ours: same start
// time) and waits until it is gone.
func (r *Runtime) killPause(ctx context.Context, sb *Sandbox) {
	if sb.PausePid == 0 {
		return
	}
	if st, err := startTime(sb.PausePid); err == nil && st == sb.PauseStart {
		unix.Kill(sb.PausePid, unix.SIGKILL)
	}
	if done := r.PauseExited(sb.Name); done != nil {
		select {
		case <-done:
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
		}
		return
	}
	for i := 0; i < 500 && alive(sb.PausePid, sb.PauseStart); i++ {
		time.Sleep(10 * time.Millisecond)
	}
}

// RemovePodSandbox stops the sandbox and removes everything of the pod:
// containers, rootfs snapshots, volumes, cgroups and its state directory.
// Removing a pod that is half made (a crash) works too.
func (r *Runtime) RemovePodSandbox(ctx context.Context, name string) error {
	sb, err := r.loadSandbox(name)
	if errors.Is(err, ErrNotExist) {
		if _, statErr := os.Stat(r.Layout(name).Dir); statErr != nil {
			return err
		}
		sb = &Sandbox{Name: name} // never recorded: remove what there is
	} else if err != nil {
		return err
	}
	return r.removeSandbox(ctx, sb, false)
}

// removeSandbox undoes RunPodSandbox; keepState leaves status and logs.
func (r *Runtime) removeSandbox(ctx context.Context, sb *Sandbox, keepState bool) error {
	errs := []error{r.removeContainers(ctx, sb), r.stopSandbox(ctx, sb)}
	for i := len(sb.Tmpfs) - 1; i >= 0; i-- {
		if err := unix.Unmount(sb.Tmpfs[i], unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", sb.Tmpfs[i], err))
		}
	}
	errs = append(errs, os.RemoveAll(r.volumesDir(sb.Name)))
	if len(sb.CgroupPaths) > 0 {
		if m, err := cgroups.Load(sb.CgroupPaths, r.log); err == nil {
			err = m.Destroy(ctx)
			if err == nil {
				container.RemoveEmptyParent(sb.CgroupPaths)
			}
			errs = append(errs, err)
		}
	}
	l := r.Layout(sb.Name)
	if keepState {
		errs = append(errs, os.RemoveAll(l.containers()), os.RemoveAll(l.sandbox()))
	} else {
		errs = append(errs, os.RemoveAll(l.Dir))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove pod %s: %w", sb.Name, err)
	}
	return nil
}

func (r *Runtime) loadSandbox(name string) (*Sandbox, error) {
	var sb Sandbox
	err := readJSON(r.Layout(name).sandbox(), &sb)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotExist, name)
	}
	return &sb, err
}

// startTime reads field 22 of /proc/PID/stat, to tell a process from a
// later one with the same pid.
func startTime(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := strings.LastIndexByte(string(data), ')')
	fields := strings.Fields(string(data[i+1:]))
	if i < 0 || len(fields) < 20 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	if fields[0] == "Z" || fields[0] == "X" {
		return 0, fmt.Errorf("process %d: exited", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

func alive(pid int, start uint64) bool {
	st, err := startTime(pid)
	return err == nil && st == start
}
