package seccomp

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// filter is a profile checked and resolved: what the BPF program does.
type filter struct {
	defaultRet uint32 // SECCOMP_RET_* with its data
	badArchRet uint32 // for architectures the profile does not list
	arches     []arch
	flags      uint
	ignored    []string
}

// arch is the part of the filter for one system call ABI.
type arch struct {
	name  string
	audit uint32            // AUDIT_ARCH_* in seccomp_data.arch
	x32   bool              // refuse syscall numbers with the x32 bit
	table map[string]uint32 // name -> number
	rules [][]rule          // indexed by syscall number, in profile order
}

// rule returns ret when every condition holds.
type rule struct {
	conds []cond
	ret   uint32
}

type cond struct {
	index           uint
	op              specs.LinuxSeccompOperator
	value, valueTwo uint64
}

const x32Bit = 0x40000000

var actions = map[specs.LinuxSeccompAction]uint32{
	specs.ActKill: unix.SECCOMP_RET_KILL_THREAD, specs.ActKillThread: unix.SECCOMP_RET_KILL_THREAD,
	specs.ActKillProcess: unix.SECCOMP_RET_KILL_PROCESS, specs.ActTrap: unix.SECCOMP_RET_TRAP,
	specs.ActErrno: unix.SECCOMP_RET_ERRNO, specs.ActTrace: unix.SECCOMP_RET_TRACE,
	specs.ActAllow: unix.SECCOMP_RET_ALLOW, specs.ActLog: unix.SECCOMP_RET_LOG,
}

var flagBits = map[specs.LinuxSeccompFlag]uint{
	specs.LinuxSeccompFlagLog: unix.SECCOMP_FILTER_FLAG_LOG, specs.LinuxSeccompFlagSpecAllow: unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	"SECCOMP_FILTER_FLAG_TSYNC": unix.SECCOMP_FILTER_FLAG_TSYNC,
}

var operators = map[specs.LinuxSeccompOperator]bool{
	specs.OpNotEqual: true, specs.OpLessThan: true, specs.OpLessEqual: true, specs.OpEqualTo: true,
	specs.OpGreaterEqual: true, specs.OpGreaterThan: true, specs.OpMaskedEqual: true,
}

// resolve checks a profile and resolves its names into a filter.
func resolve(p *specs.LinuxSeccomp) (*filter, error) {
	def, err := action("linux.seccomp.defaultAction", p.DefaultAction, p.DefaultErrnoRet, "linux.seccomp.defaultErrnoRet")
	if err != nil {
		return nil, err
	}
	f := &filter{defaultRet: def, badArchRet: unix.SECCOMP_RET_KILL_PROCESS}
	if f.arches, err = arches(p.Architectures); err != nil {
		return nil, err
	}
	if f.flags, err = flags(p.Flags); err != nil {
		return nil, err
	}
	for i, sc := range p.Syscalls {
		if err := f.add(fmt.Sprintf("linux.seccomp.syscalls[%d]", i), sc); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// action returns the SECCOMP_RET_* value of an OCI action.
func action(field string, a specs.LinuxSeccompAction, errno *uint, errnoField string) (uint32, error) {
	if a == specs.ActNotify {
		return 0, fmt.Errorf("%s %s: %w (needs a seccomp agent at linux.seccomp.listenerPath; skiff has none)", field, a, ErrUnsupported)
	}
	ret, ok := actions[a]
	if !ok {
		return 0, fmt.Errorf("%s %q: %w: unknown action (allowed: SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_LOG, SCMP_ACT_TRACE, SCMP_ACT_TRAP)", field, a, ErrInvalid)
	}
	if ret != unix.SECCOMP_RET_ERRNO && ret != unix.SECCOMP_RET_TRACE {
		if errno != nil {
			return 0, fmt.Errorf("%s: %w: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not %s", errnoField, ErrInvalid, a)
		}
		return ret, nil
	}
	e := uint(unix.EPERM)
	if errno != nil {
		e = *errno
	}
	if e > 4095 {
		return 0, fmt.Errorf("%s %d: %w: an errno is at most 4095", errnoField, e, ErrInvalid)
	}
	return ret | uint32(e), nil
}

// arches returns the ABIs to filter: x86_64 always (libseccomp always
// includes the native one), i386 when listed.
func arches(list []specs.Arch) ([]arch, error) {
	out := []arch{{name: "x86_64", audit: unix.AUDIT_ARCH_X86_64, x32: true, table: syscallsX86_64}}
	for i, a := range list {
		switch {
		case a == specs.ArchX86 && len(out) == 1:
			out = append(out, arch{name: "i386", audit: unix.AUDIT_ARCH_I386, table: syscallsI386})
		case a == specs.ArchX86, a == specs.ArchX86_64, a == specs.ArchX32, otherArches[a]:
		default:
			return nil, fmt.Errorf("linux.seccomp.architectures[%d] %q: %w: unknown architecture (SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64 ...)", i, a, ErrInvalid)
		}
	}
	for i := range out {
		out[i].rules = make([][]rule, tableSize[out[i].name])
	}
	return out, nil
}

// otherArches cannot occur on an x86 kernel: accepted, nothing to filter.
var otherArches = map[specs.Arch]bool{
	specs.ArchARM: true, specs.ArchAARCH64: true, specs.ArchMIPS: true, specs.ArchMIPS64: true,
	specs.ArchMIPS64N32: true, specs.ArchMIPSEL: true, specs.ArchMIPSEL64: true, specs.ArchMIPSEL64N32: true,
	specs.ArchPPC: true, specs.ArchPPC64: true, specs.ArchPPC64LE: true, specs.ArchS390: true,
	specs.ArchS390X: true, specs.ArchPARISC: true, specs.ArchPARISC64: true, specs.ArchRISCV64: true,
	specs.ArchLOONGARCH64: true, specs.ArchM68K: true, specs.ArchSH: true, specs.ArchSHEB: true,
}

func flags(list []specs.LinuxSeccompFlag) (uint, error) {
	var out uint
	for i, fl := range list {
		bit, ok := flagBits[fl]
		if !ok && (strings.Contains(string(fl), "LISTENER") || strings.Contains(string(fl), "KILLABLE_RECV")) {
			return 0, fmt.Errorf("linux.seccomp.flags[%d] %q: %w (needs a seccomp agent; skiff has none)", i, fl, ErrUnsupported)
		}
		if !ok {
			return 0, fmt.Errorf("linux.seccomp.flags[%d] %q: %w: unknown flag (allowed: SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC)", i, fl, ErrInvalid)
		}
		out |= bit
	}
	return out, nil
}

// add resolves one entry of linux.seccomp.syscalls into rules.
func (f *filter) add(field string, sc specs.LinuxSyscall) error {
	ret, err := action(field+".action", sc.Action, sc.ErrnoRet, field+".errnoRet")
	if err != nil {
		return err
	}
	if len(sc.Names) == 0 {
		return fmt.Errorf("%s.names: %w: empty (list at least one syscall)", field, ErrInvalid)
	}
	rules, err := entryRules(field, sc.Args, ret)
	if err != nil {
		return err
	}
	if ret == f.defaultRet {
		rules = nil // runc drops them: libseccomp refuses rules that change nothing
	}
	for i, name := range sc.Names {
		if err := f.addName(name, rules); err != nil {
			return fmt.Errorf("%s.names[%d] %q: %w", field, i, name, err)
		}
	}
	return nil
}

func (f *filter) addName(name string, rules []rule) error {
	known := false
	for _, a := range f.arches {
		nr, ok := a.table[name]
		if !ok {
			continue
		}
		known = true
		if a.rules[nr] == nil {
			a.rules[nr] = rules[:len(rules):len(rules)] // shared: a later append copies
		} else {
			a.rules[nr] = append(a.rules[nr], rules...)
		}
	}
	_, i386 := syscallsI386[name]
	switch {
	case known:
	case i386 || syscallsElsewhere[name]:
		f.ignored = appendOnce(f.ignored, name)
	default:
		return fmt.Errorf("%w: no Linux architecture has this syscall", ErrInvalid)
	}
	return nil
}

// entryRules turns an entry's conditions into rules: one rule with every
// condition, or, when an argument is compared twice, one rule per
// condition (runc's reading of such profiles).
func entryRules(field string, args []specs.LinuxSeccompArg, ret uint32) ([]rule, error) {
	var conds []cond
	seen, repeated := map[uint]bool{}, false
	for i, a := range args {
		af := fmt.Sprintf("%s.args[%d]", field, i)
		if a.Index > 5 {
			return nil, fmt.Errorf("%s.index %d: %w: a syscall has arguments 0 to 5", af, a.Index, ErrInvalid)
		}
		if !operators[a.Op] {
			return nil, fmt.Errorf("%s.op %q: %w: unknown operator (allowed: SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)", af, a.Op, ErrInvalid)
		}
		repeated = repeated || seen[a.Index]
		seen[a.Index] = true
		conds = append(conds, cond{index: a.Index, op: a.Op, value: a.Value, valueTwo: a.ValueTwo})
	}
	if !repeated {
		return []rule{{conds: conds, ret: ret}}, nil
	}
	rules := make([]rule, len(conds))
	for i, c := range conds {
		rules[i] = rule{conds: []cond{c}, ret: ret}
	}
	return rules, nil
}

// tableSize is one more than the highest syscall number of each ABI.
var tableSize = map[string]uint32{"x86_64": maxNr(syscallsX86_64) + 1, "i386": maxNr(syscallsI386) + 1}

// maxNr is the highest syscall number of a table.
func maxNr(table map[string]uint32) uint32 {
	var max uint32
	for _, nr := range table {
		max = maxU32(max, nr)
	}
	return max
}

func maxU32(a, b uint32) uint32 {
	if a > b {
		return a
	}
	return b
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
