package container

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/runtime/initproc"
	"github.com/skiffrun/skiff/runtime/rootfs"
)

// Init is the container's init: the process `skiff init` runs, re-executed
// by Create in the container's new namespaces. On success it never returns:
// it becomes the user's program. On failure it reports the error to the
// parent over the sync socket and returns it.
func Init() error {
	// Capabilities, seccomp and the cgroup namespace are per thread: do all
	// the set-up and the final execve on this one thread.
	runtime.LockOSThread()
	unix.CloseOnExec(fifoFd) // the user's program must not inherit exec.fifo
	sync := os.NewFile(initproc.SyncFd, "sync")
	cfg, err := readConfig()
	if err != nil {
		return report(sync, "read config", err)
	}
	in := &initRun{cfg: cfg, sync: sync}
	for _, s := range in.steps() {
		if err := s.do(); err != nil {
			return report(sync, s.name, err)
		}
	}
	// Started: the runtime that created us is gone; errors go to stderr.
	err = initproc.Exec(cfg.Spec.Process, in.security)
	fmt.Fprintf(os.Stderr, "skiff init: %v\n", err)
	return err
}

func readConfig() (*initConfig, error) {
	f := os.NewFile(initproc.ConfigFd, "config")
	defer f.Close()
	var cfg initConfig
	if err := json.NewDecoder(f).Decode(&cfg); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &cfg, nil
}

// report tells the runtime why set-up failed; once the runtime has gone
// (after ready), the container's stderr is the only place left to say it.
func report(sync *os.File, step string, err error) error {
	if initproc.Report(sync, initproc.Message{Type: initproc.TypeError, Step: step, Error: err.Error()}, nil) != nil {
		fmt.Fprintf(os.Stderr, "skiff init: %s: %v\n", step, err)
	}
	return err
}

type initRun struct {
	cfg      *initConfig
	sync     *os.File
	security initproc.Security // capabilities, no_new_privs, seccomp
	procFd   int               // the host's /proc, kept for a container without its own mount namespace
	inCgroup bool              // the runtime said the init is in its cgroup
}

type step struct {
	name string
	do   func() error
}

// steps is the init's work between clone and exec, in order. A process
// joining a running container (exec) finds everything in place and only
// sets up its terminal.
func (in *initRun) steps() []step {
	if in.cfg.Exec {
		return []step{
			{"join mount namespace", in.joinMountNs},
			{"open terminal", in.openTerminal},
			{"check process", in.checkProcess},
			{"prepare security", in.prepareSecurity},
			{"set rlimits and io priority", in.setLimits},
			{"report ready", in.ready},
		}
	}
	return []step{
		{"prepare security", in.prepareSecurity}, // reads the host's /proc: before the root changes
		{"keep /proc", in.keepProc},
		{"prepare rootfs", func() error { return rootfs.Prepare(in.cfg.Plan, in.enterCgroup) }},
		{"wait for cgroup", in.enterCgroup}, // done already unless the rootfs had no cgroup mount or device
		{"run createContainer hooks", func() error { return in.hooks(HookCreateContainer) }},
		{"enter rootfs", func() error { return rootfs.Enter(in.cfg.Plan) }},
		{"set sysctls", func() error { return setSysctls(in.cfg.Spec.Linux.Sysctl) }},
		{"finish rootfs", func() error { return rootfs.Finish(in.cfg.Plan) }},
		{"set hostname", in.setHostname},
		{"set oom score and umask", in.setProcessKnobs},
		{"open terminal", in.openTerminal},
		{"check process", in.checkProcess},
		{"set rlimits and io priority", in.setLimits},
		{"report ready", in.ready},
		{"wait for start", func() error { return in.waitStart(func() error { return in.hooks(HookStartContainer) }) }},
	}
}

// joinMountNs enters the container's mount namespace on this thread only
// (it owns its root and cwd after unshare(CLONE_FS)); execve from this
// thread then keeps it.
func (in *initRun) joinMountNs() error {
	if !in.cfg.JoinMountNs {
		return nil
	}
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return fmt.Errorf("unshare CLONE_FS: %w", err)
	}
	if err := unix.Setns(fifoFd, unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("setns mount namespace: %w", err)
	}
	return unix.Close(fifoFd)
}

// enterCgroup waits, once, until the runtime has moved us into the
// container's cgroup (on cgroup v1 the first move can wait 5-15 ms for an
// RCU grace period; the rootfs mounts before this point overlap it), then
// makes the cgroup namespace, rooted at that cgroup.
func (in *initRun) enterCgroup() error {
	if in.inCgroup {
		return nil
	}
	if err := initproc.Await(in.sync, initproc.TypeJoined); err != nil {
		return err
	}
	in.inCgroup = true
	if !in.cfg.UnshareCgroup {
		return nil
	}
	if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
		return fmt.Errorf("unshare cgroup namespace: %w", err)
	}
	return nil
}

func (in *initRun) setHostname() error {
	s := in.cfg.Spec
	if s.Hostname != "" {
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return fmt.Errorf("sethostname %q: %w", s.Hostname, err)
		}
	}
	if s.Domainname != "" {
		if err := unix.Setdomainname([]byte(s.Domainname)); err != nil {
			return fmt.Errorf("setdomainname %q: %w", s.Domainname, err)
		}
	}
	return nil
}

// openTerminal makes a pty inside the container (on its own devpts),
// sends the master to the runtime and makes the slave our stdio.
func (in *initRun) openTerminal() error {
	if !in.cfg.Spec.Process.Terminal {
		return nil
	}
	master, slave, err := initproc.OpenPty()
	if err != nil {
		return err
	}
	defer slave.Close()
	err = initproc.Report(in.sync, initproc.Message{Type: initproc.TypePty}, master)
	master.Close()
	if err != nil {
		return err
	}
	return initproc.BecomeTerminalLeader(slave)
}

// checkProcess finds the program and makes the working directory now, so
// that a typo in args is an error of create, not a silent exit after start.
func (in *initRun) checkProcess() error {
	p := in.cfg.Spec.Process
	if err := os.MkdirAll(p.Cwd, 0o755); err != nil {
		return fmt.Errorf("make cwd %s: %w", p.Cwd, err)
	}
	_, err := initproc.LookPath(p.Args[0], p.Env)
	return err
}

func (in *initRun) hooks(kind string) error {
	st := in.cfg.State
	if kind == HookStartContainer {
		st.Status = Running
	}
	return runHooks(context.Background(), kind, hooksOf(in.cfg.Spec, kind), st)
}

// setLimits applies process.ioPriority and the rlimits the init can live
// under before ready: a limit the kernel refuses (above fs.nr_open, a
// raised hard limit without CAP_SYS_RESOURCE, the real-time I/O class
// without CAP_SYS_ADMIN) fails create or exec, not the program after
// start. Address space, heap, stack and thread limits are set by Exec,
// last (see initproc.LateRlimits).
func (in *initRun) setLimits() error {
	if err := initproc.SetRlimits(initproc.EarlyRlimits(in.cfg.Spec.Process.Rlimits)); err != nil {
		return err
	}
	return initproc.SetIOPriority(in.cfg.Spec.Process.IOPriority)
}

// setProcessKnobs applies process.oomScoreAdj and process.user.umask.
func (in *initRun) setProcessKnobs() error {
	p := in.cfg.Spec.Process
	if p.OOMScoreAdj != nil {
		if err := os.WriteFile("/proc/self/oom_score_adj", []byte(strconv.Itoa(*p.OOMScoreAdj)), 0); err != nil {
			return fmt.Errorf("set oom_score_adj: %w", err)
		}
	}
	if p.User.Umask != nil {
		unix.Umask(int(*p.User.Umask))
	}
	return nil
}

// prepareSecurity compiles the seccomp filter and capability plan now, so
// that their errors are create's errors.
func (in *initRun) prepareSecurity() (err error) {
	in.security, err = security(in.cfg.Spec.Process, in.cfg.Spec.Linux)
	return err
}

func (in *initRun) ready() error {
	err := initproc.Report(in.sync, initproc.Message{Type: initproc.TypeReady}, nil)
	in.sync.Close()
	return err
}

// keepProc holds the host's /proc for waitStart when the container has
// no mount namespace (and so no /proc of its own after chroot).
func (in *initRun) keepProc() error {
	if !in.cfg.Plan.HostMounts {
		return nil
	}
	fd, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	in.procFd = fd
	return err
}

// waitStart blocks opening exec.fifo for writing until start opens it for
// reading, runs started (the startContainer hooks), then writes one byte,
// which lets start return (and run poststart hooks) only after them. The
// fifo was opened O_PATH by the parent before pivot_root; /proc/self/fd
// reopens it for real.
func (in *initRun) waitStart(started func() error) error {
	var f *os.File
	name := fmt.Sprintf("self/fd/%d", fifoFd)
	if in.procFd > 0 {
		fd, err := unix.Openat(in.procFd, name, unix.O_WRONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open exec.fifo: %w", err)
		}
		f = os.NewFile(uintptr(fd), "exec.fifo")
		unix.Close(in.procFd)
	} else {
		var err error
		if f, err = os.OpenFile("/proc/"+name, os.O_WRONLY, 0); err != nil {
			return fmt.Errorf("open exec.fifo (the container needs /proc mounted): %w", err)
		}
	}
	defer f.Close()
	if err := started(); err != nil {
		return err
	}
	if _, err := f.Write([]byte{0}); err != nil {
		return fmt.Errorf("write exec.fifo: %w", err)
	}
	return nil
}
