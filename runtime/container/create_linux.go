package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/runtime/initproc"
	"github.com/skiffrun/skiff/runtime/namespace"
	"github.com/skiffrun/skiff/runtime/rootfs"
	"github.com/skiffrun/skiff/runtime/spec"
)

// Runtime is the lifecycle on one runtime root.
type Runtime struct {
	Root string // state directory, e.g. /run/skiff
	// CgroupParent is where container cgroups go when a config has no
	// cgroupsPath (--cgroup-parent); empty means defaultCgroupParent().
	CgroupParent string
	Self         string       // the skiff binary to re-execute as init (default /proc/self/exe)
	Log          *slog.Logger // never nil
}

// CreateOptions are the inputs of create.
type CreateOptions struct {
	ID     string
	Bundle string      // directory holding config.json (and usually rootfs)
	Spec   *specs.Spec // optional: a config built in memory (skiff run); Rootfs must then be set
	Rootfs string

	PidFile       string
	ConsoleSocket string // runc --console-socket: where the pty master of a terminal container goes
	CgroupParent  string // overrides Runtime.CgroupParent for this container (--cgroup-parent)
	NoPivot       bool   // use MS_MOVE + chroot instead of pivot_root

	Stdin, Stdout, Stderr *os.File // the container's stdio (default: the caller's)
	// OnPty receives the pty master of a terminal container when no
	// console socket is given (skiff run -it).
	OnPty func(master *os.File) error
	// Prepare runs once the init exists (in its namespaces and cgroup) and
	// before it gets its config: where a caller attaches the network to
	// /proc/PID/ns/net and writes files the container's mounts need.
	Prepare func(ctx context.Context, pid int) error
}

// initConfig is what the parent sends the init over the config pipe.
type initConfig struct {
	Spec          *specs.Spec `json:"spec"`
	Plan          rootfs.Plan `json:"plan"`
	UnshareCgroup bool        `json:"unshareCgroup"`
	Exec          bool        `json:"exec"`        // a process joining a running container (skiff exec)
	JoinMountNs   bool        `json:"joinMountNs"` // exec: setns into the mount namespace on fd 5
	State         specs.State `json:"state"`       // for the hooks the init runs
}

// Container is a created container and, when this process started it, the
// handle to wait for its init.
type Container struct {
	State *State
	cmd   *exec.Cmd
}

// fifoFd is the init's descriptor of exec.fifo (an O_PATH file).
const fifoFd = 5

// creation carries the pieces of one create between its steps.
type creation struct {
	rt       *Runtime
	opts     CreateOptions
	state    *State
	plan     rootfs.Plan
	ns       namespace.Plan
	cmd      *exec.Cmd
	sync     *os.File // parent end of the sync socket
	cfgW     *os.File // write end of the config pipe
	children []*os.File
	cgroup   cgroups.Manager
	// pendingCgroup is resolved but not made yet (cgroup is set once made).
	pendingCgroup cgroups.Manager
	cgroupFD      *os.File // v2: the init is cloned straight into this cgroup
}

// Create makes a container: state directory, exec.fifo, and an init process
// that is pid 1 of its namespaces, set up and waiting for start.
func (rt *Runtime) Create(ctx context.Context, o CreateOptions) (*Container, error) {
	c := &creation{rt: rt, opts: o}
	steps := []struct {
		name string
		do   func() error
	}{
		{"check config", c.check},
		{"make state directory", c.makeStateDir},
		{"resolve cgroup", c.resolveCgroup},
		{"record creating state", func() error { return c.state.save() }},
		{"create cgroup", c.createCgroup},
		{"start init", c.startInit},
		{"send config early", c.sendConfigEarly},
		{"join cgroup", c.joinCgroup},
		{"prepare", func() error { return c.prepare(ctx) }},
		{"run runtime hooks", func() error { return c.runtimeHooks(ctx) }},
		{"send config", c.sendConfig},
		{"wait for init", c.waitReady},
		{"record state", c.record},
	}
	for _, s := range steps {
		rt.Log.Debug("create", "id", o.ID, "step", s.name)
		if err := s.do(); err != nil {
			c.abort()
			return nil, fmt.Errorf("create container %s: %w", o.ID, err)
		}
	}
	c.closeAll()
	return &Container{State: c.state, cmd: c.cmd}, nil
}

// check validates everything before anything is made on the host.
func (c *creation) check() error {
	if err := ValidateID(c.opts.ID); err != nil {
		return err
	}
	bundle, err := filepath.Abs(c.opts.Bundle)
	if err != nil {
		return err
	}
	s, root := c.opts.Spec, c.opts.Rootfs
	if s == nil {
		if s, root, err = spec.Load(bundle); err != nil {
			return err
		}
	} else if err := spec.Validate(s); err != nil {
		return err
	}
	if err := checkSecurity(s.Process, s.Linux); err != nil {
		return err
	}
	if err := checkSysctls(s.Linux); err != nil {
		return err
	}
	withDefaultDeviceRules(s.Linux)
	if s.Process.Terminal && c.opts.ConsoleSocket == "" && c.opts.OnPty == nil {
		return errors.New("process.terminal is true: give --console-socket, or set terminal to false")
	}
	if c.plan, err = rootfs.NewPlan(s, root); err != nil {
		return err
	}
	c.plan.NoPivot = c.opts.NoPivot
	c.plan.HostMounts = !namespace.Has(s.Linux.Namespaces, specs.MountNamespace)
	if c.ns, err = namespace.NewPlan(s.Linux.Namespaces); err != nil {
		return err
	}
	c.state = &State{ID: c.opts.ID, Bundle: bundle, Rootfs: root, Spec: s, Annotations: s.Annotations, dir: Dir(c.rt.Root, c.opts.ID)}
	return nil
}

func (c *creation) makeStateDir() error {
	if err := os.MkdirAll(c.rt.Root, 0o711); err != nil {
		return fmt.Errorf("make runtime root: %w", err)
	}
	if err := os.Mkdir(c.state.dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			c.state = nil // not ours: abort must not remove it
			return fmt.Errorf("%w: %s", ErrExist, c.opts.ID)
		}
		return fmt.Errorf("make state directory: %w", err)
	}
	fifo := filepath.Join(c.state.dir, fifoName)
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		return fmt.Errorf("make exec.fifo: %w", err)
	}
	// In a user namespace the init is root only inside: the fifo must
	// belong to the host uid that container root maps to.
	if uid, gid, ok := rootIDs(c.state.Spec.Linux); ok {
		if err := os.Chown(fifo, uid, gid); err != nil {
			return fmt.Errorf("chown exec.fifo: %w", err)
		}
	}
	return nil
}

// rootIDs returns the host uid and gid of the container's root when the
// config maps ids for a user namespace.
func rootIDs(l *specs.Linux) (uid, gid int, ok bool) {
	find := func(ms []specs.LinuxIDMapping) (int, bool) {
		for _, m := range ms {
			if m.ContainerID == 0 && m.Size > 0 {
				return int(m.HostID), true
			}
		}
		return 0, false
	}
	uid, okU := find(l.UIDMappings)
	gid, okG := find(l.GIDMappings)
	return uid, gid, okU && okG
}

// startInit re-executes skiff as "init" in the new namespaces, joining the
// ones given by path from a dedicated thread (namespace.StartIn).
func (c *creation) startInit() error {
	parent, child, err := initproc.SocketPair()
	if err != nil {
		return err
	}
	c.sync = parent
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("config pipe: %w", err)
	}
	c.cfgW = cfgW
	fifo, err := os.OpenFile(filepath.Join(c.state.dir, fifoName), unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec.fifo: %w", err)
	}
	c.children = []*os.File{child, cfgR, fifo}
	sources, err := c.openBindSources(fifoFd + 1)
	if err != nil {
		return err
	}
	c.children = append(c.children, sources...)
	c.cmd = c.initCommand()
	if err := c.cloneIntoCgroup(); err != nil {
		return err
	}
	if err := namespace.StartIn(c.ns.Joins, c.cmd.Start); err != nil {
		return fmt.Errorf("start init: %w", err)
	}
	c.state.Pid = c.cmd.Process.Pid
	c.closeChildren()
	return nil
}

// openBindSources makes, for an init in a user namespace, a detached copy
// of every bind source (open_tree, here on the host, as root) and records
// the descriptor the init gets (first, first+1, ...) in the plan: inside,
// its root may not reach the sources, and a mount of the host's namespace
// cannot be bound into another; a detached one can be moved in (runc
// does the same).
func (c *creation) openBindSources(first int) ([]*os.File, error) {
	if !c.inUserNamespace() {
		return nil, nil
	}
	var files []*os.File
	for i, m := range c.plan.Mounts {
		if !m.Mount.Bind() || m.Mount.Source == "" {
			continue
		}
		flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
		if m.Mount.Flags&unix.MS_REC != 0 {
			flags |= unix.AT_RECURSIVE
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, m.Mount.Source, flags)
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, fmt.Errorf("open_tree bind source %s: %w", m.Mount.Source, err)
		}
		c.plan.Mounts[i].SourceFd = first + len(files)
		files = append(files, os.NewFile(uintptr(fd), m.Mount.Source))
	}
	return files, nil
}

func (c *creation) inUserNamespace() bool {
	if c.ns.CloneFlags&unix.CLONE_NEWUSER != 0 {
		return true
	}
	for _, j := range c.ns.Joins {
		if j.Type == specs.UserNamespace {
			return true
		}
	}
	return false
}

// cloneIntoCgroup asks clone3 to create the init inside its cgroup (v2),
// so that not one instruction of it runs unlimited.
func (c *creation) cloneIntoCgroup() error {
	f, err := c.cgroup.CgroupFD()
	if errors.Is(err, cgroups.ErrNoCgroupFD) {
		return nil
	}
	if err != nil {
		return err
	}
	c.cgroupFD = f
	c.cmd.SysProcAttr.UseCgroupFD = true
	c.cmd.SysProcAttr.CgroupFD = int(f.Fd())
	return nil
}

func (c *creation) initCommand() *exec.Cmd {
	cmd := initCommand(c.rt.Self, c.opts.ID, c.children, stdio{c.opts.Stdin, c.opts.Stdout, c.opts.Stderr})
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// The cgroup namespace is unshared by the init itself, once it is
		// in its cgroup, so that the namespace's root is that cgroup.
		Cloneflags: c.ns.CloneFlags &^ unix.CLONE_NEWCGROUP,
	}
	addIDMappings(cmd.SysProcAttr, c.state.Spec.Linux)
	return cmd
}

// stdio is a process's standard streams; nil means the caller's own.
type stdio struct{ in, out, err *os.File }

// initCommand is "skiff init ID", re-executed from self (default
// /proc/self/exe, which also works after joining a container's mount
// namespace), with extra as fds 3, 4, ...
func initCommand(self, id string, extra []*os.File, s stdio) *exec.Cmd {
	if self == "" {
		self = "/proc/self/exe"
	}
	cmd := exec.Command(self, "init", id)
	cmd.Args[0] = "skiff"
	cmd.Env = []string{}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = orStd(s.in, os.Stdin), orStd(s.out, os.Stdout), orStd(s.err, os.Stderr)
	cmd.ExtraFiles = extra
	return cmd
}

func orStd(f, def *os.File) *os.File {
	if f != nil {
		return f
	}
	return def
}

// addIDMappings maps uids and gids for a new user namespace, and makes
// the child root inside it: its host uid (0) is not mapped there, so it
// would otherwise run as the overflow uid, with no capabilities to set
// the container up.
func addIDMappings(attr *syscall.SysProcAttr, l *specs.Linux) {
	if attr.Cloneflags&unix.CLONE_NEWUSER == 0 {
		return
	}
	attr.Credential = &syscall.Credential{Uid: 0, Gid: 0}
	attr.GidMappingsEnableSetgroups = true
	for _, m := range l.UIDMappings {
		attr.UidMappings = append(attr.UidMappings, syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
	}
	for _, m := range l.GIDMappings {
		attr.GidMappings = append(attr.GidMappings, syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
	}
}

func (c *creation) prepare(ctx context.Context) error {
	if c.opts.Prepare == nil {
		return nil
	}
	return c.opts.Prepare(ctx, c.cmd.Process.Pid)
}

// runtimeHooks runs prestart and createRuntime hooks in the runtime's
// namespaces, once the container's namespaces exist.
func (c *creation) runtimeHooks(ctx context.Context) error {
	st := c.state.ociState(Creating)
	for _, kind := range []string{HookPrestart, HookCreateRuntime} {
		if err := runHooks(ctx, kind, hooksOf(c.state.Spec, kind), st); err != nil {
			return err
		}
	}
	return nil
}

// sendConfigEarly lets the init set up its rootfs while we move it into
// its cgroup, unless something must happen in between: a Prepare callback
// or prestart/createRuntime hooks, which run before the init's rootfs
// exists (the init waits for the move itself: see enterCgroup in
// init_linux.go).
func (c *creation) sendConfigEarly() error {
	if c.opts.Prepare != nil || len(hooksOf(c.state.Spec, HookPrestart)) > 0 || len(hooksOf(c.state.Spec, HookCreateRuntime)) > 0 {
		return nil
	}
	return c.sendConfig()
}

// sendConfig writes the init's config and closes the pipe; once only.
func (c *creation) sendConfig() error {
	if c.cfgW == nil {
		return nil
	}
	cfg := initConfig{Spec: c.state.Spec, Plan: c.plan, UnshareCgroup: c.ns.CloneFlags&unix.CLONE_NEWCGROUP != 0,
		State: c.state.ociState(Creating)}
	err := json.NewEncoder(c.cfgW).Encode(cfg)
	c.cfgW.Close()
	c.cfgW = nil
	if err != nil {
		return fmt.Errorf("send config to init: %w", err)
	}
	return nil
}

// waitReady reads the init's reports until it is ready or has failed.
func (c *creation) waitReady() error {
	err := initproc.Receive(c.sync, c.takePty)
	if errors.Is(err, initproc.ErrNoReport) {
		return fmt.Errorf("%w (%v)", err, c.reap())
	}
	return err
}

// takePty hands a terminal container's pty master to the console socket
// or to the caller.
func (c *creation) takePty(master *os.File) error {
	if c.opts.ConsoleSocket != "" {
		defer master.Close()
		return initproc.SendToConsoleSocket(c.opts.ConsoleSocket, master)
	}
	return c.opts.OnPty(master)
}

// reap waits for an init that went away, to say how it ended.
func (c *creation) reap() error {
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			return errors.New("exit status 0")
		}
		return err
	case <-time.After(2 * time.Second):
		return errors.New("still running")
	}
}

func (c *creation) record() error {
	c.state.Pid = c.cmd.Process.Pid
	start, _, err := procStat(c.state.Pid)
	if err != nil {
		return fmt.Errorf("read init start time: %w", err)
	}
	c.state.PidStart = start
	c.state.Created = time.Now().UTC()
	if err := c.state.save(); err != nil {
		return err
	}
	if c.opts.PidFile != "" {
		// No trailing newline: drivers read the file verbatim.
		return writeAtomic(c.opts.PidFile, []byte(strconv.Itoa(c.state.Pid)))
	}
	return nil
}

// abort undoes a failed create: kill the init, remove the state directory.
func (c *creation) abort() {
	c.closeAll()
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	}
	if c.cgroup != nil {
		if err := c.cgroup.Destroy(context.Background()); err != nil {
			c.rt.Log.Warn("remove cgroup of failed create", "id", c.opts.ID, "err", err)
		}
	}
	if c.state != nil && c.state.dir != "" {
		os.RemoveAll(c.state.dir)
	}
}

func (c *creation) closeChildren() {
	for _, f := range c.children {
		f.Close()
	}
	c.children = nil
}

func (c *creation) closeAll() {
	c.closeChildren()
	if c.cgroupFD != nil {
		c.cgroupFD.Close()
		c.cgroupFD = nil
	}
	if c.sync != nil {
		c.sync.Close()
	}
	if c.cfgW != nil {
		c.cfgW.Close()
	}
}
