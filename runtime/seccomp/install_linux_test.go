package seccomp

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// childEnv selects what the re-executed test binary does: "exdev" or
// "default" (see TestInstallChild).
const childEnv = "SKIFF_SECCOMP_TEST_CHILD"

// TestInstallChild runs in a child process started by TestInstall*: it
// sets no_new_privs, installs a filter on its locked thread and execs
// busybox with the filter in place, as the container's init will.
func TestInstallChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("run by TestInstall")
	}
	runtime.LockOSThread()
	p := Default()
	if mode == "exdev" {
		exdev := uint(unix.EXDEV)
		p = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &exdev}}}
	}
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := SetNoNewPrivileges(); err != nil {
		t.Fatal(err)
	}
	if err := Install(prog); err != nil {
		t.Fatal(err)
	}
	if mode == "exdev" {
		if err := unix.Mkdir(filepath.Join(os.Getenv("DIR"), "own"), 0o755); !errors.Is(err, unix.EXDEV) {
			t.Fatalf("mkdir on the filtered thread: %v, want EXDEV", err)
		}
	}
	err = unix.Exec("/bin/busybox", []string{"sh", "-c", os.Getenv("SCRIPT")}, os.Environ())
	t.Fatal(err)
}

func child(t *testing.T, mode, script string) string {
	t.Helper()
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (apt-get install busybox-static)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInstallChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "SCRIPT="+script, "DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	return string(out)
}

func TestInstallKeepsTheFilterAcrossExecve(t *testing.T) {
	out := child(t, "exdev", `grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; mkdir "$DIR/x" 2>&1; ls -d "$DIR"/* 2>&1; echo done`)
	for _, want := range []string{"NoNewPrivs:\t1", "Seccomp:\t2", "Invalid cross-device link", "done"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "/x\n") || strings.Contains(out, "/own") {
		t.Errorf("a directory was made:\n%s", out)
	}
}

func TestDefaultProfileOnTheRealKernel(t *testing.T) {
	script := `echo hello | cat; ls / >/dev/null && echo ls-ok; ` +
		`unshare -U true 2>&1; echo unshare=$?; unshare -n true 2>&1; echo unshare-net=$?; ` +
		`(sleep 0 &); wait; echo fork-ok`
	out := child(t, "default", script)
	for _, want := range []string{"hello\n", "ls-ok\n", "unshare: unshare(0x10000000): Operation not permitted", "unshare=1\n", "unshare-net=1\n", "fork-ok\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestInstallRefusesAnEmptyProgram(t *testing.T) {
	if err := Install(&Program{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty program: %v", err)
	}
}
