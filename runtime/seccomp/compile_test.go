package seccomp

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const (
	allow = unix.SECCOMP_RET_ALLOW
	eperm = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	kill  = unix.SECCOMP_RET_KILL_PROCESS
)

func compile(t testing.TB, p *specs.LinuxSeccomp) (*Program, vm) {
	t.Helper()
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return prog, newVM(t, prog)
}

func x64(name string, args ...uint64) call {
	c := call{arch: unix.AUDIT_ARCH_X86_64, nr: syscallsX86_64[name]}
	copy(c.args[:], args)
	return c
}

func i386(name string, args ...uint64) call {
	c := call{arch: unix.AUDIT_ARCH_I386, nr: syscallsI386[name]}
	copy(c.args[:], args)
	return c
}

func TestDefaultProfile(t *testing.T) {
	p := Default()
	prog, v := compile(t, p)
	t.Logf("%d instructions", len(prog.Filter))
	if len(prog.Ignored) > 0 {
		t.Errorf("the default profile names syscalls x86 does not have: %v", prog.Ignored)
	}
	cases := []struct {
		c    call
		want uint32
	}{
		{x64("read"), allow}, {x64("execve"), allow}, {x64("futex"), allow}, {x64("ptrace"), allow},
		{x64("mount"), eperm}, {x64("umount2"), eperm}, {x64("reboot"), eperm}, {x64("init_module"), eperm},
		{x64("finit_module"), eperm}, {x64("kexec_load"), eperm}, {x64("keyctl"), eperm}, {x64("bpf"), eperm},
		{x64("unshare", unix.CLONE_NEWUSER), eperm}, {x64("unshare", unix.CLONE_NEWNS|unix.CLONE_FS), eperm},
		{x64("unshare", unix.CLONE_FS|unix.CLONE_FILES), allow},
		{x64("clone", unix.CLONE_VM|unix.CLONE_THREAD|unix.CLONE_SIGHAND), allow},
		{x64("clone", unix.CLONE_NEWPID|uint64(unix.SIGCHLD)), eperm}, {x64("clone", 1<<32|unix.CLONE_VM), allow},
		{x64("clone3"), unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{x64("socket", unix.AF_INET), allow}, {x64("socket", unix.AF_VSOCK), eperm},
		{x64("socket", 1<<32|unix.AF_VSOCK), allow},
		{x64("personality", 0), allow}, {x64("personality", 0xffffffff), allow}, {x64("personality", 0x0040000), eperm},
		{call{arch: unix.AUDIT_ARCH_X86_64, nr: 10000}, eperm},
		{call{arch: unix.AUDIT_ARCH_X86_64, nr: x32Bit | 0}, kill},
		{call{arch: unix.AUDIT_ARCH_AARCH64, nr: 63}, kill},
		{i386("read"), allow}, {i386("socketcall"), allow}, {i386("mount"), eperm}, {i386("_llseek"), allow},
		{i386("clone", unix.CLONE_NEWUSER), eperm},
	}
	for _, tc := range cases {
		if got := v.run(t, tc.c); got != tc.want {
			t.Errorf("%+v: %#x, want %#x", tc.c, got, tc.want)
		}
		if ref := reference(p, tc.c); ref != tc.want {
			t.Errorf("reference disagrees on %+v: %#x", tc.c, ref)
		}
	}
}

// TestDefaultAllowsNothingItDocumentsAsRefused keeps the allowlist and the
// list of refusals with their reasons consistent.
func TestDefaultAllowsNothingItDocumentsAsRefused(t *testing.T) {
	p := Default()
	_, v := compile(t, p)
	for name, why := range notAllowed {
		if _, ok := syscallsX86_64[name]; !ok {
			continue
		}
		c := x64(name)
		if name == "personality" {
			c.args[0] = 0x1234
		}
		if name == "clone" || name == "unshare" {
			c.args[0] = unix.CLONE_NEWUSER
		}
		if got := v.run(t, c); got == allow {
			t.Errorf("%s (%s) is allowed", name, why)
		}
	}
	for _, name := range allowed {
		if _, ok := notAllowed[name]; ok {
			t.Errorf("%s is both allowed and refused", name)
		}
	}
}

// edges are argument values around the 32-bit halves' boundaries.
var edges = []uint64{0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 1 << 32, 1<<32 | 1, 1<<32 | 0xffffffff,
	2 << 32, 0x8000000000000000, 0xfffffffffffffffe, 0xffffffffffffffff}

func TestOperatorsCompare64Bits(t *testing.T) {
	ops := []specs.LinuxSeccompOperator{specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
		specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual}
	for _, op := range ops {
		for _, val := range edges {
			arg := specs.LinuxSeccompArg{Index: 3, Value: val, ValueTwo: val & 0xffff0000ffff0000, Op: op}
			p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
				Syscalls: []specs.LinuxSyscall{{Names: []string{"write"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg}}}}
			_, v := compile(t, p)
			for _, x := range edges {
				want := eperm
				if holds(arg, x) {
					want = allow
				}
				if got := v.run(t, x64("write", 0, 0, 0, x)); got != want {
					t.Errorf("%s %#x with arg %#x: %#x, want %#x", op, val, x, got, want)
				}
			}
		}
	}
}

// randomProfile builds a profile of a few syscalls with several rules
// each, mixed actions, and conditions on random arguments.
func randomProfile(r *rand.Rand, nsys int) *specs.LinuxSeccomp {
	acts := []specs.LinuxSeccompAction{specs.ActAllow, specs.ActErrno, specs.ActKillProcess, specs.ActTrap, specs.ActLog, specs.ActKill}
	ops := []specs.LinuxSeccompOperator{specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
		specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual}
	names := sortedNames(syscallsX86_64)
	p := &specs.LinuxSeccomp{DefaultAction: acts[r.Intn(len(acts))], Architectures: []specs.Arch{specs.ArchX86_64}}
	if r.Intn(2) == 0 {
		p.Architectures = append(p.Architectures, specs.ArchX86)
	}
	for i := 0; i < nsys; i++ {
		sc := specs.LinuxSyscall{Names: []string{names[r.Intn(len(names))], names[r.Intn(len(names))]}, Action: acts[r.Intn(len(acts))]}
		if sc.Action == specs.ActErrno {
			e := uint(r.Intn(200))
			sc.ErrnoRet = &e
		}
		for j := r.Intn(4); j > 0; j-- {
			sc.Args = append(sc.Args, specs.LinuxSeccompArg{Index: uint(r.Intn(3)), Value: edges[r.Intn(len(edges))],
				ValueTwo: edges[r.Intn(len(edges))], Op: ops[r.Intn(len(ops))]})
		}
		p.Syscalls = append(p.Syscalls, sc)
	}
	return p
}

func TestRandomProfilesAgreeWithTheReference(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for n := 0; n < 200; n++ {
		p := randomProfile(r, 1+r.Intn(60))
		_, v := compile(t, p)
		for k := 0; k < 200; k++ {
			c := call{arch: unix.AUDIT_ARCH_X86_64}
			if r.Intn(4) == 0 {
				c.arch = unix.AUDIT_ARCH_I386
			}
			sc := p.Syscalls[r.Intn(len(p.Syscalls))]
			c.nr = syscallsX86_64[sc.Names[0]]
			if c.arch == unix.AUDIT_ARCH_I386 {
				c.nr = uint32(r.Intn(460))
			}
			for i := range c.args {
				c.args[i] = edges[r.Intn(len(edges))]
			}
			if got, want := v.run(t, c), reference(p, c); got != want {
				js, _ := json.Marshal(p)
				t.Fatalf("profile %s\ncall %+v: %#x, want %#x", js, c, got, want)
			}
		}
	}
}

// TestLongJumps: a syscall with many rules, and a search over every
// syscall, need jumps beyond the 255 instructions of a conditional jump.
func TestLongJumps(t *testing.T) {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}
	for i := uint64(0); i < 80; i++ {
		p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{Names: []string{"ioctl"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 1, Value: 1000 + i, Op: specs.OpEqualTo}}})
	}
	p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{Names: sortedNames(syscallsX86_64)[:300], Action: specs.ActLog})
	prog, v := compile(t, p)
	if len(prog.Filter) < 600 {
		t.Fatalf("only %d instructions: no long jump exercised", len(prog.Filter))
	}
	for _, c := range []call{x64("ioctl", 0, 1000), x64("ioctl", 0, 1079), x64("ioctl", 0, 1080), x64("ioctl", 0, 999),
		x64("read"), x64("write"), x64("mount"), x64("pivot_root")} {
		if got, want := v.run(t, c), reference(p, c); got != want {
			t.Errorf("%+v: %#x, want %#x", c, got, want)
		}
	}
}

func TestProgramsLongerThanTheKernelTakesAreRefused(t *testing.T) {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}
	for i := uint64(0); i < 1200; i++ {
		p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{Names: []string{"ioctl"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 1, Value: i, Op: specs.OpEqualTo}}})
	}
	if _, err := Compile(p); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "at most 4096") {
		t.Errorf("err = %v", err)
	}
}

func TestNamesOfOtherArchitecturesAreIgnored(t *testing.T) {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"read", "socketcall", "arm_fadvise64_64", "write"}, Action: specs.ActAllow}}}
	prog, v := compile(t, p)
	if fmt.Sprint(prog.Ignored) != "[socketcall arm_fadvise64_64]" {
		t.Errorf("ignored %v", prog.Ignored)
	}
	if v.run(t, x64("write")) != allow || v.run(t, x64("close")) != eperm {
		t.Error("the other names of the entry lost their rule")
	}
	// i386 listed: socketcall is real there.
	p.Architectures = []specs.Arch{specs.ArchX86}
	prog, v = compile(t, p)
	if fmt.Sprint(prog.Ignored) != "[arm_fadvise64_64]" || v.run(t, i386("socketcall")) != allow {
		t.Errorf("with i386: ignored %v", prog.Ignored)
	}
	// Without SCMP_ARCH_X86 an i386 syscall is refused like any unknown ABI.
	if got := newVM(t, mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow})).run(t, i386("read")); got != kill {
		t.Errorf("i386 syscall without SCMP_ARCH_X86: %#x", got)
	}
}

func TestDefaultForCapabilities(t *testing.T) {
	admin := DefaultFor([]string{"CAP_SYS_ADMIN", "CAP_SYS_CHROOT", "CAP_NO_SUCH"})
	_, v := compile(t, admin)
	for _, c := range []call{x64("mount"), x64("setns"), x64("unshare", unix.CLONE_NEWUSER), x64("clone", unix.CLONE_NEWNET),
		x64("clone3"), x64("chroot"), x64("read"), i386("mount")} {
		if got := v.run(t, c); got != allow {
			t.Errorf("with CAP_SYS_ADMIN and CAP_SYS_CHROOT %+v: %#x", c, got)
		}
	}
	for _, c := range []call{x64("init_module"), x64("reboot"), x64("keyctl"), x64("socket", unix.AF_VSOCK), x64("personality", 0x1234)} {
		if got := v.run(t, c); got != eperm {
			t.Errorf("with CAP_SYS_ADMIN and CAP_SYS_CHROOT %+v: %#x, want EPERM", c, got)
		}
	}
	for c, names := range byCapability {
		for _, name := range names {
			if _, ok := notAllowed[name]; !ok {
				t.Errorf("%s (for %s) is not listed as refused by default", name, c)
			}
		}
		if _, err := Compile(DefaultFor([]string{c})); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
}

func mustCompile(t *testing.T, p *specs.LinuxSeccomp) *Program {
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

func TestActionsAndFlags(t *testing.T) {
	e := uint(38)
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC", specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActKill}, {Names: []string{"write"}, Action: specs.ActKillThread},
			{Names: []string{"open"}, Action: specs.ActKillProcess}, {Names: []string{"close"}, Action: specs.ActTrap},
			{Names: []string{"stat"}, Action: specs.ActErrno, ErrnoRet: &e}, {Names: []string{"fstat"}, Action: specs.ActTrace},
			{Names: []string{"lstat"}, Action: specs.ActLog}, {Names: []string{"poll"}, Action: specs.ActErrno},
			{Names: []string{"lseek"}, Action: specs.ActAllow}, // same as the default: dropped
		}}
	prog, v := compile(t, p)
	if prog.Flags != unix.SECCOMP_FILTER_FLAG_TSYNC|unix.SECCOMP_FILTER_FLAG_LOG|unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW {
		t.Errorf("flags %#x", prog.Flags)
	}
	want := map[string]uint32{"read": unix.SECCOMP_RET_KILL_THREAD, "write": unix.SECCOMP_RET_KILL_THREAD,
		"open": kill, "close": unix.SECCOMP_RET_TRAP, "stat": unix.SECCOMP_RET_ERRNO | 38,
		"fstat": unix.SECCOMP_RET_TRACE | uint32(unix.EPERM), "lstat": unix.SECCOMP_RET_LOG, "poll": eperm,
		"lseek": allow, "mmap": allow}
	for name, w := range want {
		if got := v.run(t, x64(name)); got != w {
			t.Errorf("%s: %#x, want %#x", name, got, w)
		}
	}
}

func TestNilProfileIsNoFilter(t *testing.T) {
	if prog, err := Compile(nil); prog != nil || err != nil {
		t.Errorf("%v %v", prog, err)
	}
	if err := Install(nil); err != nil {
		t.Error(err)
	}
}

func TestBadProfilesNameTheField(t *testing.T) {
	big := uint(5000)
	one := uint(1)
	ok := specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActAllow}
	cases := map[string]struct {
		p    specs.LinuxSeccomp
		want string
		is   error
	}{
		"default action": {specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_NOPE"},
			`linux.seccomp.defaultAction "SCMP_ACT_NOPE": invalid seccomp profile: unknown action`, ErrInvalid},
		"notify": {specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActNotify}}},
			`linux.seccomp.syscalls[0].action SCMP_ACT_NOTIFY: not supported (needs a seccomp agent`, ErrUnsupported},
		"errno on allow": {specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: &one},
			`linux.seccomp.defaultErrnoRet: invalid seccomp profile: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW`, ErrInvalid},
		"errno too big": {specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{ok, {Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: &big}}},
			`linux.seccomp.syscalls[1].errnoRet 5000: invalid seccomp profile: an errno is at most 4095`, ErrInvalid},
		"arch": {specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86_64, "SCMP_ARCH_Z80"}},
			`linux.seccomp.architectures[1] "SCMP_ARCH_Z80": invalid seccomp profile: unknown architecture`, ErrInvalid},
		"flag": {specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NEW_LISTENER"}},
			`linux.seccomp.flags[0] "SECCOMP_FILTER_FLAG_NEW_LISTENER": not supported (needs a seccomp agent`, ErrUnsupported},
		"unknown flag": {specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_FAST"}},
			`linux.seccomp.flags[0] "SECCOMP_FILTER_FLAG_FAST": invalid seccomp profile: unknown flag`, ErrInvalid},
		"no names": {specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Action: specs.ActErrno}}},
			`linux.seccomp.syscalls[0].names: invalid seccomp profile: empty`, ErrInvalid},
		"typo": {specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "wirte"}, Action: specs.ActAllow}}},
			`linux.seccomp.syscalls[0].names[1] "wirte": invalid seccomp profile: no Linux architecture has this syscall`, ErrInvalid},
		"index": {specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo}, {Index: 6, Op: specs.OpEqualTo}}}}},
			`linux.seccomp.syscalls[0].args[1].index 6: invalid seccomp profile: a syscall has arguments 0 to 5`, ErrInvalid},
		"op": {specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_LIKE"}}}}},
			`linux.seccomp.syscalls[0].args[0].op "SCMP_CMP_LIKE": invalid seccomp profile: unknown operator`, ErrInvalid},
	}
	for name, tc := range cases {
		err := Validate(&tc.p)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || !errors.Is(err, tc.is) {
			t.Errorf("%s:\n got %v\nwant %s...", name, err, tc.want)
		}
	}
}

func TestTableMatchesThisMachine(t *testing.T) {
	for name, nr := range map[string]int{"read": unix.SYS_READ, "mount": unix.SYS_MOUNT, "clone3": unix.SYS_CLONE3,
		"umount2": unix.SYS_UMOUNT2, "io_uring_setup": unix.SYS_IO_URING_SETUP, "_sysctl": unix.SYS__SYSCTL,
		"newfstatat": unix.SYS_NEWFSTATAT, "seccomp": unix.SYS_SECCOMP} {
		if got := syscallsX86_64[name]; got != uint32(nr) {
			t.Errorf("%s: table %d, x/sys %d (go generate ./runtime/seccomp)", name, got, nr)
		}
	}
	if syscallsI386["socketcall"] != 102 || syscallsI386["umount2"] != 52 {
		t.Error("i386 table")
	}
}

func sortedNames(m map[string]uint32) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sortStrings(out)
	return out
}
