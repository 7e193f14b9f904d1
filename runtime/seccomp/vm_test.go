package seccomp

import (
	"encoding/binary"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// call is one synthetic seccomp_data.
type call struct {
	arch uint32
	nr   uint32
	args [6]uint64
}

// vm runs a compiled program in golang.org/x/net/bpf's interpreter.
type vm struct{ m *bpf.VM }

func newVM(t testing.TB, p *Program) vm {
	t.Helper()
	ins, ok := bpf.Disassemble(p.Filter)
	if !ok {
		t.Fatal("the program does not disassemble")
	}
	m, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatalf("the interpreter refuses the program: %v", err)
	}
	return vm{m}
}

// run returns the action for c. The interpreter loads words big-endian
// (network order) where the kernel loads them in the machine's order, so
// each 32-bit word of seccomp_data is stored big-endian here: a 64-bit
// argument is its low word at 16+8i, its high word at 20+8i, as on x86.
func (v vm) run(t testing.TB, c call) uint32 {
	t.Helper()
	data := make([]byte, 64)
	be := binary.BigEndian
	be.PutUint32(data[0:], c.nr)
	be.PutUint32(data[4:], c.arch)
	for i, a := range c.args {
		be.PutUint32(data[16+8*i:], uint32(a))
		be.PutUint32(data[20+8*i:], uint32(a>>32))
	}
	ret, err := v.m.Run(data)
	if err != nil {
		t.Fatalf("run %+v: %v", c, err)
	}
	return uint32(ret)
}

// reference is the meaning of a profile, written directly in Go: what the
// compiled program must return.
func reference(p *specs.LinuxSeccomp, c call) uint32 {
	def := mustRet(p.DefaultAction, p.DefaultErrnoRet)
	var table map[string]uint32
	switch {
	case c.arch == unix.AUDIT_ARCH_X86_64 && c.nr < x32Bit:
		table = syscallsX86_64
	case c.arch == unix.AUDIT_ARCH_I386 && listsArch(p, specs.ArchX86):
		table = syscallsI386
	default:
		return unix.SECCOMP_RET_KILL_PROCESS
	}
	for _, sc := range p.Syscalls {
		ret := mustRet(sc.Action, sc.ErrnoRet)
		if ret != def && names(sc.Names, table, c.nr) && argsMatch(sc.Args, c.args) {
			return ret
		}
	}
	return def
}

func mustRet(a specs.LinuxSeccompAction, errno *uint) uint32 {
	ret, err := action("", a, errno, "")
	if err != nil {
		panic(err)
	}
	return ret
}

func listsArch(p *specs.LinuxSeccomp, a specs.Arch) bool {
	for _, x := range p.Architectures {
		if x == a {
			return true
		}
	}
	return false
}

func names(list []string, table map[string]uint32, nr uint32) bool {
	for _, n := range list {
		if x, ok := table[n]; ok && x == nr {
			return true
		}
	}
	return false
}

// argsMatch: all conditions, or any when an argument is compared twice.
func argsMatch(args []specs.LinuxSeccompArg, vals [6]uint64) bool {
	seen, repeated := map[uint]bool{}, false
	for _, a := range args {
		repeated = repeated || seen[a.Index]
		seen[a.Index] = true
	}
	for _, a := range args {
		ok := holds(a, vals[a.Index])
		if repeated && ok {
			return true
		}
		if !repeated && !ok {
			return false
		}
	}
	return !repeated || len(args) == 0
}

func holds(a specs.LinuxSeccompArg, v uint64) bool {
	switch a.Op {
	case specs.OpNotEqual:
		return v != a.Value
	case specs.OpLessThan:
		return v < a.Value
	case specs.OpLessEqual:
		return v <= a.Value
	case specs.OpEqualTo:
		return v == a.Value
	case specs.OpGreaterEqual:
		return v >= a.Value
	case specs.OpGreaterThan:
		return v > a.Value
	case specs.OpMaskedEqual:
		return v&a.Value == a.ValueTwo
	}
	panic("operator " + a.Op)
}
