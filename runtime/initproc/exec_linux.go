package initproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Security holds the steps that later labs add around the user switch
// (capabilities, no_new_privs, seccomp: lab 07). Nil steps are skipped.
type Security struct {
	BeforeUser func() error // e.g. keep capabilities across setuid
	AfterUser  func() error // e.g. set the capability sets
	Last       func() error // e.g. no_new_privs and seccomp, right before execve
}

// Exec replaces the init with the user's program, in the order that keeps
// each step allowed: groups and gid, then uid (after which we could no
// longer change ids), then the working directory (checked as the user),
// then execve. The program keeps the init's pid: pid 1 of the container.
// The io priority and the resource limits that do not bind the init's own
// Go runtime (SetIOPriority, SetRlimits of EarlyRlimits) are the caller's
// to set before, while a failure can still fail create; Exec sets the
// others (LateRlimits) first.
func Exec(p *specs.Process, sec Security) error {
	var path string
	steps := []struct {
		name string
		do   func() error
	}{
		{"set rlimits", func() error { return SetRlimits(LateRlimits(p.Rlimits)) }},
		{"before user", sec.BeforeUser},
		{"set user", func() error { return SetUser(p.User) }},
		{"after user", sec.AfterUser},
		{"chdir " + p.Cwd, func() error { return os.Chdir(p.Cwd) }},
		{"find program", func() (err error) { path, err = LookPath(p.Args[0], p.Env); return err }},
		{"last", sec.Last},
	}
	for _, s := range steps {
		if s.do == nil {
			continue
		}
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	if err := unix.Exec(path, p.Args, p.Env); err != nil {
		return fmt.Errorf("exec %s: %w", p.Args[0], err)
	}
	return nil
}

// SetIOPriority gives the calling thread, which then execs the program,
// process.ioPriority (nil: the priority it has). The real-time class
// needs CAP_SYS_ADMIN, so this comes before the user and capabilities
// change.
func SetIOPriority(p *specs.LinuxIOPriority) error {
	if p == nil {
		return nil
	}
	v, err := IOPriorityValue(p)
	if err != nil {
		return err
	}
	const whoProcess = 1 // IOPRIO_WHO_PROCESS; who 0 is the calling thread
	if _, _, errno := unix.RawSyscall(unix.SYS_IOPRIO_SET, whoProcess, 0, uintptr(v)); errno != 0 {
		return fmt.Errorf("ioprio_set %s %d: %w", p.Class, p.Priority, errno)
	}
	return nil
}

// SetUser switches to the config's uid, gid and supplementary groups. Go's
// syscall package applies these to every thread of the process.
func SetUser(u specs.User) error {
	groups := make([]int, len(u.AdditionalGids))
	for i, g := range u.AdditionalGids {
		groups[i] = int(g)
	}
	if err := unix.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := unix.Setresgid(int(u.GID), int(u.GID), int(u.GID)); err != nil {
		return fmt.Errorf("setgid %d: %w", u.GID, err)
	}
	if err := unix.Setresuid(int(u.UID), int(u.UID), int(u.UID)); err != nil {
		return fmt.Errorf("setuid %d: %w", u.UID, err)
	}
	return nil
}

// LookPath finds file in the PATH of the container's environment (not the
// runtime's), as execvp would inside the container.
func LookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		if err := executable(file); err != nil {
			return "", fmt.Errorf("exec %s: %w", file, err)
		}
		return file, nil
	}
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		candidate := filepath.Join(dir, file)
		if executable(candidate) == nil {
			return candidate, nil
		}
	}
	// The words of Go's exec.ErrNotFound (and runc's message): engines
	// read them, e.g. podman exits 127 on "executable file not found in".
	return "", fmt.Errorf("exec %s: executable file not found in PATH %s: %w", file, path, os.ErrNotExist)
}

func executable(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return errors.New("not an executable file")
	}
	return nil
}

// rlimitNames maps OCI rlimit types to resource numbers.
var rlimitNames = map[string]int{
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
	"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
	"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK": unix.RLIMIT_STACK,
}

// RlimitResource returns the resource number of an OCI rlimit type.
func RlimitResource(name string) (int, bool) {
	r, ok := rlimitNames[name]
	return r, ok
}

// runtimeBound are the limits that bind the init's own Go runtime: its
// address space, heap, stack and threads. Set under them, the init could
// fail to grow between ready and exec (an RLIMIT_AS of 1 GB is about what
// a Go process reserves), so they are set last, just before execve.
var runtimeBound = map[string]bool{"RLIMIT_AS": true, "RLIMIT_DATA": true, "RLIMIT_STACK": true, "RLIMIT_NPROC": true}

// EarlyRlimits are the limits the init can live under: set before ready,
// a limit the kernel refuses fails create.
func EarlyRlimits(all []specs.POSIXRlimit) []specs.POSIXRlimit { return splitRlimits(all, false) }

// LateRlimits are the runtime-bound limits, set just before execve.
func LateRlimits(all []specs.POSIXRlimit) []specs.POSIXRlimit { return splitRlimits(all, true) }

func splitRlimits(all []specs.POSIXRlimit, bound bool) []specs.POSIXRlimit {
	var out []specs.POSIXRlimit
	for _, l := range all {
		if runtimeBound[l.Type] == bound {
			out = append(out, l)
		}
	}
	return out
}

// SetRlimits applies the config's resource limits to this process; they
// survive execve.
func SetRlimits(limits []specs.POSIXRlimit) error {
	for _, l := range limits {
		r, ok := rlimitNames[l.Type]
		if !ok {
			return fmt.Errorf("rlimit %q: unknown", l.Type)
		}
		if err := unix.Setrlimit(r, &unix.Rlimit{Cur: l.Soft, Max: l.Hard}); err != nil {
			return fmt.Errorf("setrlimit %s: %w", l.Type, err)
		}
	}
	return nil
}

// OpenPty opens a new pty pair on the devpts instance mounted at /dev/pts
// (inside the container, after pivot_root).
func OpenPty() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("pty number: %w", err)
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	s, err := os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("open %s: %w", name, err)
	}
	return m, s, nil
}

// BecomeTerminalLeader makes slave this process's controlling terminal and
// its stdin, stdout and stderr, in a new session.
func BecomeTerminalLeader(slave *os.File) error {
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	if err := unix.IoctlSetInt(int(slave.Fd()), unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("set controlling terminal: %w", err)
	}
	for fd := 0; fd <= 2; fd++ {
		if err := unix.Dup3(int(slave.Fd()), fd, 0); err != nil {
			return fmt.Errorf("dup pty to fd %d: %w", fd, err)
		}
	}
	return nil
}
