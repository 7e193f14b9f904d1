package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/runtime/initproc"
	"github.com/skiffrun/skiff/runtime/namespace"
)

// ExecOptions are the inputs of exec: a process to run in a running
// container.
type ExecOptions struct {
	Process               *specs.Process
	Detach                bool
	PidFile               string
	ConsoleSocket         string
	Stdin, Stdout, Stderr *os.File
	OnPty                 func(master *os.File) error // the pty of a terminal process without a console socket
}

// Exec runs another process in a running container: it joins every
// namespace of the container's init and its cgroup, then goes through the
// same init code (in "exec" mode: no rootfs, no exec.fifo) to set user,
// capabilities and terminal. It returns the process's exit status, or 0
// at once when detached.
//
// Joining a user namespace is refused by the kernel for multithreaded
// processes, so exec into a container with its own user namespace is not
// supported.
func (rt *Runtime) Exec(ctx context.Context, id string, o ExecOptions) (int, error) {
	st, err := Load(rt.Root, id)
	if err != nil {
		return 0, err
	}
	if status := st.Status(); status != Running {
		return 0, fmt.Errorf("exec in container %s: %w: it is %s, not running", id, ErrState, status)
	}
	var console *os.File
	if o.Process != nil && o.Process.Terminal && o.ConsoleSocket == "" && o.OnPty == nil && !o.Detach {
		o.OnPty = func(m *os.File) error { console = m; return nil }
	}
	if o.Detach {
		cmd, err := rt.startExec(ctx, st, o)
		if err != nil {
			return 0, fmt.Errorf("exec in container %s: %w", id, err)
		}
		return 0, cmd.Process.Release()
	}
	signals := catchSignals()
	defer signals.stop()
	cmd, err := rt.startExec(ctx, st, o)
	if err != nil {
		return 0, fmt.Errorf("exec in container %s: %w", id, err)
	}
	signals.relayTo(cmd.Process.Pid, console)
	var copied <-chan struct{}
	if console != nil {
		restore := rawStdin()
		defer restore()
		copied = attach(console)
	}
	code := exitStatus(cmd.Wait())
	drain(copied)
	return code, nil
}

func (rt *Runtime) startExec(ctx context.Context, st *State, o ExecOptions) (*exec.Cmd, error) {
	if o.Process == nil || len(o.Process.Args) == 0 {
		return nil, errors.New("process.args: must name the program to run")
	}
	if o.Process.Terminal && o.ConsoleSocket == "" && o.OnPty == nil {
		return nil, errors.New("process.terminal is true: give --console-socket or run in the foreground")
	}
	if err := checkSecurity(o.Process, nil); err != nil {
		return nil, err
	}
	joins, err := containerNamespaces(st)
	if err != nil {
		return nil, err
	}
	x := &execution{st: st, opts: o, log: rt}
	defer x.close()
	// The mount namespace is joined by the init itself: a process can only
	// execute the skiff binary while the host's filesystem is its root.
	if last := len(joins) - 1; last >= 0 && joins[last].Type == specs.MountNamespace {
		if x.mntNs, err = os.Open(joins[last].Path); err != nil {
			return nil, fmt.Errorf("open mount namespace: %w", err)
		}
		joins = joins[:last]
	}
	steps := []step{
		{"open cgroup", x.openCgroup},
		{"start process", func() error { return x.start(rt.Self, joins) }},
		{"join cgroup", x.joinCgroup},
		{"send config", x.sendConfig},
		{"wait for process", x.waitReady},
		{"write pid file", x.writePidFile},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			x.kill()
			return nil, err
		}
	}
	return x.cmd, nil
}

// containerNamespaces lists the init's namespaces to join, except the
// user namespace (see Exec) and any the init shares with us.
func containerNamespaces(st *State) ([]namespace.Join, error) {
	var joins []namespace.Join
	for _, t := range []specs.LinuxNamespaceType{specs.IPCNamespace, specs.UTSNamespace, specs.NetworkNamespace,
		specs.PIDNamespace, specs.CgroupNamespace, specs.MountNamespace} {
		name := namespace.ProcName(t)
		theirs := fmt.Sprintf("/proc/%d/ns/%s", st.Pid, name)
		a, errA := os.Readlink(theirs)
		b, errB := os.Readlink("/proc/self/ns/" + name)
		if errA != nil {
			return nil, fmt.Errorf("read %s: %w", theirs, errA)
		}
		if errB == nil && a == b {
			continue // shared with the host: nothing to join
		}
		joins = append(joins, namespace.Join{Type: t, Path: theirs})
	}
	return joins, nil
}

// execution carries one exec between its steps.
type execution struct {
	st       *State
	opts     ExecOptions
	log      *Runtime
	cgroup   cgroups.Manager
	mntNs    *os.File // the container's mount namespace, joined by the init
	cmd      *exec.Cmd
	sync     *os.File
	cfgW     *os.File
	children []*os.File
}

// openCgroup finds the container's cgroup. The process is moved into it
// after it starts (it waits for its config meanwhile), not cloned into it:
// clone3's CLONE_INTO_CGROUP fails with ENOENT when the caller has joined a
// cgroup namespace whose root does not contain the caller's own cgroup.
func (x *execution) openCgroup() error {
	m, err := cgroupOf(x.st, x.log.Log)
	if err != nil || m == nil {
		return err
	}
	x.cgroup = m
	return nil
}

func (x *execution) start(self string, joins []namespace.Join) error {
	parent, child, err := initproc.SocketPair()
	if err != nil {
		return err
	}
	x.sync = parent
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("config pipe: %w", err)
	}
	x.cfgW = cfgW
	x.children = []*os.File{child, cfgR}
	if x.mntNs != nil {
		x.children = append(x.children, x.mntNs) // fd 5
	}
	x.cmd = initCommand(self, x.st.ID, x.children, stdio{x.opts.Stdin, x.opts.Stdout, x.opts.Stderr})
	x.cmd.SysProcAttr = &syscall.SysProcAttr{}
	err = namespace.StartIn(joins, x.cmd.Start)
	child.Close()
	cfgR.Close()
	x.children = nil
	return err
}

func (x *execution) joinCgroup() error {
	if x.cgroup == nil {
		return nil
	}
	return x.cgroup.Apply(x.cmd.Process.Pid)
}

func (x *execution) sendConfig() error {
	// An exec'd process gets the container's seccomp profile, as with runc.
	var linux *specs.Linux
	if x.st.Spec != nil && x.st.Spec.Linux != nil {
		linux = &specs.Linux{Seccomp: x.st.Spec.Linux.Seccomp}
	}
	cfg := initConfig{Spec: &specs.Spec{Process: x.opts.Process, Linux: linux}, Exec: true, JoinMountNs: x.mntNs != nil}
	err := json.NewEncoder(x.cfgW).Encode(cfg)
	x.cfgW.Close()
	x.cfgW = nil
	if err != nil {
		return fmt.Errorf("send config: %w", err)
	}
	return nil
}

func (x *execution) waitReady() error {
	err := initproc.Receive(x.sync, func(master *os.File) error {
		if x.opts.ConsoleSocket != "" {
			defer master.Close()
			return initproc.SendToConsoleSocket(x.opts.ConsoleSocket, master)
		}
		return x.opts.OnPty(master)
	})
	if errors.Is(err, initproc.ErrNoReport) {
		return fmt.Errorf("%w (%v)", err, x.cmd.Wait())
	}
	return err
}

func (x *execution) writePidFile() error {
	if x.opts.PidFile == "" {
		return nil
	}
	return writeAtomic(x.opts.PidFile, []byte(strconv.Itoa(x.cmd.Process.Pid)))
}

func (x *execution) kill() {
	if x.cmd != nil && x.cmd.Process != nil {
		x.cmd.Process.Signal(unix.SIGKILL)
		x.cmd.Wait()
	}
}

func (x *execution) close() {
	for _, f := range append(x.children, x.sync, x.cfgW, x.mntNs) {
		if f != nil {
			f.Close()
		}
	}
}
