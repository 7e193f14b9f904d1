package container_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/runtime/container"
)

// The security suite: what a default `skiff run` container (spec.ForRun:
// capabilities CAP_AUDIT_WRITE, CAP_KILL and CAP_NET_BIND_SERVICE,
// no_new_privs, the default seccomp profile, masked and read-only /proc
// paths, its own pid and mount namespaces) must not be able to do. Each
// test runs the attack inside a container and checks how it fails.

// defaultCaps is CAP_KILL (5), CAP_NET_BIND_SERVICE (10) and
// CAP_AUDIT_WRITE (29) as /proc/PID/status prints a capability set.
const defaultCaps = "0000000020000420"

func TestSecurityDefaultCredentials(t *testing.T) {
	e := newEnv(t)
	code, out := e.run(t, "sec-creds", "grep", "-E", "^(Cap|NoNewPrivs|Seccomp:)", "/proc/self/status")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	expect(t, out, []string{"CapInh:\t0000000000000000", "CapPrm:\t" + defaultCaps, "CapEff:\t" + defaultCaps,
		"CapBnd:\t" + defaultCaps, "CapAmb:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"}, nil)
}

// try runs a command and prints NAME=OK, NAME=EPERM (busybox says
// "Operation not permitted" or "permission denied"), NAME=EROFS or
// NAME=FAIL with the message.
const try = `try() { n=$1; shift; if m=$("$@" 2>&1); then echo "$n=OK"; else case "$m" in ` +
	`*"not permitted"*|*"ermission denied"*) echo "$n=EPERM";; *"Read-only"*) echo "$n=EROFS";; ` +
	`*) echo "$n=FAIL $m";; esac; fi; }; `

// TestSecurityChrootEscapeFails tries the classic escape: chroot into a
// subdirectory, climb out with "cd .." beyond the new root, chroot to
// where that lands. Without CAP_SYS_CHROOT the first chroot is refused;
// and even a process that could chroot would land on the container's root,
// not the host's, because pivot_root left no host directory above it.
func TestSecurityChrootEscapeFails(t *testing.T) {
	e := newEnv(t)
	helper := e.addHelper(t, 0o755)
	code, out := e.run(t, "sec-chroot", "sh", "-c",
		try+`mkdir -p /tmp/jail; try chroot chroot /tmp/jail /bin/true; `+helper+` escape `+e.rootfs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	expect(t, out, []string{"chroot=EPERM", "chroot(/tmp/jail)=EPERM", "host-root=false"}, nil)
}

func TestSecurityHostProcessesInvisible(t *testing.T) {
	e := newEnv(t)
	host := exec.Command("sleep", "97.531")
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Process.Kill(); host.Wait() })
	pid := host.Process.Pid
	script := fmt.Sprintf(`echo "cmdlines=$(cat /proc/[0-9]*/cmdline | tr '\0' ' ')"; `+
		`kill -0 %d 2>/dev/null; echo kill=$?; test -e /proc/%d; echo proc=$?`, pid, pid)
	code, out := e.run(t, "sec-procs", "sh", "-c", script)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if strings.Contains(out, "97.531") {
		t.Errorf("a host process is visible:\n%s", out)
	}
	expect(t, out, []string{"kill=1", "proc=1"}, nil)
}

func TestSecurityMountRefused(t *testing.T) {
	e := newEnv(t)
	script := try + `mkdir -p /mnt; try mount mount -t tmpfs none /mnt; try remount mount -o remount,rw /proc/sys; ` +
		`try bind mount --bind / /mnt; try umount umount /proc/sys; echo mounted=$(grep -c ' /mnt ' /proc/mounts)`
	code, out := e.run(t, "sec-mount", "sh", "-c", script)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	expect(t, out, []string{"mount=EPERM", "remount=EPERM", "bind=EPERM", "umount=EPERM", "mounted=0"}, nil)
}

// TestSecurityModuleLoadingRefused offers the kernel an empty module:
// without CAP_SYS_MODULE (and with init_module and finit_module refused by
// seccomp) the answer is EPERM, not "invalid module format".
func TestSecurityModuleLoadingRefused(t *testing.T) {
	e := newEnv(t)
	script := try + `head -c 64 /dev/zero > /tmp/empty.ko; try insmod insmod /tmp/empty.ko; try rmmod rmmod nosuchmodule`
	code, out := e.run(t, "sec-insmod", "sh", "-c", script)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	expect(t, out, []string{"insmod=EPERM", "rmmod=EPERM"}, nil)
}

// TestSecurityMknodRefused: a device node would open a host device (here
// 1:3, /dev/null); a fifo is harmless and made.
func TestSecurityMknodRefused(t *testing.T) {
	e := newEnv(t)
	code, out := e.run(t, "sec-mknod", "sh", "-c", try+`try mknod mknod /tmp/null c 1 3; try fifo mknod /tmp/fifo p`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	expect(t, out, []string{"mknod=EPERM", "fifo=OK"}, nil)
	if _, err := os.Stat(filepath.Join(e.rootfs, "tmp/null")); !os.IsNotExist(err) {
		t.Errorf("the device node was made: %v", err)
	}
}

// TestSecurityProcInterfaces: the kernel's knobs under /proc are read-only
// (the hostname knob is the container's own UTS namespace, harmless should
// the write go through; /proc/sysrq-trigger exists only on kernels with
// magic SysRq, and "h" only prints help), and /proc/kcore, the host's
// memory, reads as empty.
func TestSecurityProcInterfaces(t *testing.T) {
	e := newEnv(t)
	script := try + `try sysctl sh -c 'echo evil > /proc/sys/kernel/hostname'; ` +
		`if test -e /proc/sysrq-trigger; then try sysrq sh -c 'echo h > /proc/sysrq-trigger'; else echo sysrq=ABSENT; fi; ` +
		`echo kcore=$(head -c 16 /proc/kcore 2>/dev/null | wc -c); echo hostname=$(hostname)`
	code, out := e.run(t, "sec-proc", "sh", "-c", script)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	want := []string{"sysctl=EROFS", "kcore=0", "hostname=box", "sysrq=EROFS"}
	if strings.Contains(out, "sysrq=ABSENT\n") {
		t.Log("this kernel has no magic SysRq: /proc/sysrq-trigger is not tried")
		want = want[:3]
	}
	expect(t, out, want, nil)
}

// TestSecuritySetuidBinaryGrantsNothing runs the container as uid 1000 with
// a setuid-root program in its rootfs. Under no_new_privs execve ignores the
// setuid bit; the control run without no_new_privs shows the bit works.
func TestSecuritySetuidBinaryGrantsNothing(t *testing.T) {
	e := newEnv(t)
	helper := e.addHelper(t, 0o4755)
	for _, nnp := range []bool{true, false} {
		s := e.spec(helper, "euid")
		s.Process.User = specs.User{UID: 1000, GID: 1000}
		s.Process.NoNewPrivileges = nnp
		code, out := e.runSpec(t, "sec-suid", s)
		want := "uid=1000 euid=1000\n"
		if !nnp {
			want = "uid=1000 euid=0\n"
		}
		if code != 0 || out != want {
			t.Errorf("no_new_privs %v: exit %d, %q, want %q", nnp, code, out, want)
		}
	}
}

// TestSecurityBlockedSyscalls samples what the default seccomp profile (or
// the missing capabilities) refuses: new namespaces (a user namespace needs
// no capability: only seccomp stops it), swap, the hostname, joining
// namespaces, and syscalls an unprivileged process may make on a host but
// not in a container (keyrings, bpf, perf, io_uring, userfaultfd,
// open_by_handle_at, the kernel log). Every call is made with arguments
// that would fail or do nothing if it went through.
func TestSecurityBlockedSyscalls(t *testing.T) {
	e := newEnv(t)
	helper := e.addHelper(t, 0o755)
	script := try + `for ns in U n m i p; do try unshare-$ns unshare -$ns true; done; ` +
		`: > /tmp/swap; try swapoff swapoff /tmp/swap; try hostname hostname evil; ` +
		`try nsenter nsenter -t 1 -n true; ` + helper + ` sys`
	code, out := e.run(t, "sec-sys", "sh", "-c", script)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	expect(t, out, []string{"unshare-U=EPERM", "unshare-n=EPERM", "unshare-m=EPERM", "unshare-i=EPERM", "unshare-p=EPERM",
		"swapoff=EPERM", "hostname=EPERM", "nsenter=EPERM", "getpid=OK", "keyctl=EPERM", "request_key=EPERM",
		"add_key=EPERM", "bpf=EPERM", "perf_event_open=EPERM", "io_uring_setup=EPERM", "userfaultfd=EPERM",
		"open_by_handle_at=EPERM", "syslog=EPERM", "setns=EPERM", "clone3=ENOSYS"}, nil)
}

// TestSecurityAmbientCapability: a non-root process keeps across execve only
// its ambient capabilities; CAP_NET_BIND_SERVICE there lets uid 1000 listen
// on port 80, and without it the kernel says EACCES.
func TestSecurityAmbientCapability(t *testing.T) {
	e := newEnv(t)
	helper := e.addHelper(t, 0o755)
	for _, ambient := range []bool{true, false} {
		s := e.spec(helper, "bind")
		s.Process.User = specs.User{UID: 1000, GID: 1000}
		if ambient {
			c := s.Process.Capabilities
			c.Inheritable = []string{"CAP_NET_BIND_SERVICE"}
			c.Ambient = []string{"CAP_NET_BIND_SERVICE"}
		}
		code, out := e.runSpec(t, "sec-ambient", s)
		want := "bind=EACCES\n"
		if ambient {
			want = "bind=OK\n"
		}
		if code != 0 || out != want {
			t.Errorf("ambient %v: exit %d, %q, want %q", ambient, code, out, want)
		}
	}
}

// TestSecurityCustomProfile: a config's own seccomp profile is the one
// applied, with its errno, and it reaches the processes of the container.
func TestSecurityCustomProfile(t *testing.T) {
	e := newEnv(t)
	s := e.spec("sh", "-c", "mkdir /tmp/x; echo mkdir=$?; rmdir /tmp; echo rmdir=$?")
	exdev := uint(18)
	s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &exdev}}}
	code, out := e.runSpec(t, "sec-profile", s)
	if code != 0 || !strings.Contains(out, "Invalid cross-device link") || !strings.Contains(out, "mkdir=1\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(e.rootfs, "tmp/x")); !os.IsNotExist(err) {
		t.Errorf("mkdir went through: %v", err)
	}
}

// TestSecurityBadConfigIsAnErrorOfCreate: a capability or seccomp profile
// the init cannot apply fails create, naming the field, and leaves nothing.
func TestSecurityBadConfigIsAnErrorOfCreate(t *testing.T) {
	e := newEnv(t)
	bogus := e.spec("true")
	bogus.Process.Capabilities.Bounding = append(bogus.Process.Capabilities.Bounding, "CAP_BOGUS")
	typo := e.spec("true")
	typo.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "wirte"}, Action: specs.ActAllow}}}
	for want, s := range map[string]*specs.Spec{
		`process.capabilities.bounding[3] "CAP_BOGUS": unknown capability`:                           bogus,
		`linux.seccomp.syscalls[0].names[1] "wirte": invalid seccomp profile: no Linux architecture`: typo,
	} {
		_, err := e.rt.Create(context.Background(), container.CreateOptions{ID: "sec-bad", Spec: s, Rootfs: e.rootfs, Bundle: e.rootfs})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to contain %s", err, want)
		}
		if states, _ := container.List(e.rt.Root); len(states) != 0 {
			t.Errorf("a failed create left %d containers", len(states))
		}
	}
}

// expect checks that out has every line of want and no line of refused,
// and prints the output once when it does not.
func expect(t *testing.T, out string, want, refused []string) {
	t.Helper()
	lines := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		lines[l] = true
	}
	ok := true
	for _, w := range want {
		if !lines[w] {
			t.Errorf("lacks %q", w)
			ok = false
		}
	}
	for _, r := range refused {
		if lines[r] {
			t.Errorf("has %q", r)
			ok = false
		}
	}
	if !ok {
		t.Logf("output:\n%s", out)
	}
}

// runSpec is e.run with a spec of the caller's.
func (e *env) runSpec(t *testing.T, id string, s *specs.Spec) (int, string) {
	t.Helper()
	var out bytes.Buffer
	w := pipeTo(t, &out)
	code, err := e.rt.Run(context.Background(), container.RunOptions{
		CreateOptions: container.CreateOptions{ID: id, Spec: s, Rootfs: e.rootfs, Bundle: e.rootfs, Stdout: w.f, Stderr: w.f},
		Remove:        true,
	})
	w.close()
	if err != nil {
		t.Fatalf("run %v: %v", s.Process.Args, err)
	}
	return code, out.String()
}

// addHelper builds the static helper program below and copies it into the
// rootfs with the given mode (owned by root: 04755 makes it setuid root),
// returning its path inside the container.
func (e *env) addHelper(t *testing.T, mode os.FileMode) string {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skip("the helper's syscall numbers are x86_64's")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command to build the helper")
	}
	dir := t.TempDir()
	files := map[string]string{"go.mod": "module sechelper\n\ngo 1.21\n", "main.go": helperSource}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(e.rootfs, "bin", "sec-helper")
	cmd := exec.Command(gobin, "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build helper: %v\n%s", err, out)
	}
	if err := os.Chmod(bin, mode&0o777|modeBits(mode)); err != nil {
		t.Fatal(err)
	}
	return "/bin/sec-helper"
}

func modeBits(m os.FileMode) os.FileMode {
	if m&0o4000 != 0 {
		return os.ModeSetuid
	}
	return 0
}

// helperSource: "euid" prints the real and effective uid; "escape HOSTDIR"
// tries the chroot escape and reports whether the host's HOSTDIR is then
// visible; "sys" makes raw syscalls with harmless arguments and prints
// each one's errno.
const helperSource = `package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

func main() {
	switch os.Args[1] {
	case "euid":
		fmt.Printf("uid=%d euid=%d\n", os.Getuid(), os.Geteuid())
	case "escape":
		escape(os.Args[2])
	case "sys":
		sys()
	case "bind":
		l, err := net.Listen("tcp", ":80")
		if err == nil {
			l.Close()
		}
		fmt.Printf("bind=%s\n", name(errno(err)))
	}
}

// errno digs the errno out of a net error.
func errno(err error) error {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return err
}

func escape(hostDir string) {
	os.MkdirAll("/tmp/jail", 0o755)
	err := syscall.Chroot("/tmp/jail")
	fmt.Printf("chroot(/tmp/jail)=%s\n", name(err))
	if err == nil {
		for i := 0; i < 64; i++ {
			syscall.Chdir("..")
		}
		syscall.Chroot(".")
	}
	_, err = os.Stat(hostDir)
	fmt.Printf("host-root=%v\n", err == nil)
}

func name(err error) string {
	switch err {
	case nil:
		return "OK"
	case syscall.EPERM:
		return "EPERM"
	case syscall.ENOSYS:
		return "ENOSYS"
	case syscall.EACCES:
		return "EACCES"
	}
	return fmt.Sprintf("errno %d (%v)", err, err)
}

func sys() {
	calls := []struct {
		name string
		nr   uintptr
		args [6]uintptr
	}{
		{"getpid", 39, [6]uintptr{}},
		{"keyctl", 250, [6]uintptr{0, ^uintptr(2), 0}}, // KEYCTL_GET_KEYRING_ID, session keyring, do not create
		{"request_key", 249, [6]uintptr{}},              // NULL type: EFAULT if it went through
		{"add_key", 248, [6]uintptr{}},                  // NULL type
		{"bpf", 321, [6]uintptr{^uintptr(0), 0, 0}},     // no such command
		{"perf_event_open", 298, [6]uintptr{0, 0, ^uintptr(0), ^uintptr(0), 0}}, // NULL attr
		{"io_uring_setup", 425, [6]uintptr{0, 0}},                              // 0 entries, NULL params
		{"userfaultfd", 323, [6]uintptr{^uintptr(0)}},                           // bad flags
		{"open_by_handle_at", 304, [6]uintptr{^uintptr(0), 0, 0}},                // bad fd, NULL handle
		{"syslog", 103, [6]uintptr{10, 0, 0}},                                    // SYSLOG_ACTION_SIZE_BUFFER
		{"setns", 308, [6]uintptr{^uintptr(0), 0}},                               // bad fd
		{"clone3", 435, [6]uintptr{0, 0}},                                        // NULL args
	}
	for _, c := range calls {
		_, _, e := syscall.RawSyscall6(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4], c.args[5])
		var err error
		if e != 0 {
			err = e
		}
		fmt.Printf("%s=%s\n", c.name, name(err))
	}
}
`
