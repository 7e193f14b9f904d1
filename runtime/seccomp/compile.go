package seccomp

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Program is a compiled profile, ready for Install.
type Program struct {
	// Filter is the classic BPF program the kernel runs on every syscall.
	Filter []bpf.RawInstruction
	// Flags are the SECCOMP_FILTER_FLAG_* bits of the profile.
	Flags uint
	// Ignored lists syscall names of the profile that the filtered
	// architectures do not have (the caller may log them).
	Ignored []string
}

// String lists the program, one instruction a line, in the notation of
// bpf_asm, with jump targets as line numbers: "jeq #k, then, else".
func (p *Program) String() string {
	var b strings.Builder
	for i, in := range p.Filter {
		fmt.Fprintf(&b, "%d: %s\n", i, listing(in, i))
	}
	return b.String()
}

func listing(in ins, at int) string {
	jumps := map[uint16]string{unix.BPF_JEQ: "jeq", unix.BPF_JGT: "jgt", unix.BPF_JGE: "jge"}
	switch {
	case in.Op == unix.BPF_LD|unix.BPF_W|unix.BPF_ABS:
		return fmt.Sprintf("ld [%d]", in.K)
	case in.Op == unix.BPF_ALU|unix.BPF_AND|unix.BPF_K:
		return fmt.Sprintf("and #%#x", in.K)
	case in.Op == unix.BPF_RET|unix.BPF_K:
		return "ret " + retName(in.K)
	case in.Op == unix.BPF_JMP|unix.BPF_JA:
		return fmt.Sprintf("ja %d", at+1+int(in.K))
	case in.Op&0x07 == unix.BPF_JMP && jumps[in.Op&0xf0] != "":
		return fmt.Sprintf("%s #%#x, %d, %d", jumps[in.Op&0xf0], in.K, at+1+int(in.Jt), at+1+int(in.Jf))
	}
	return fmt.Sprintf("%+v", in)
}

// retName spells a SECCOMP_RET_* value.
func retName(v uint32) string {
	data := v & unix.SECCOMP_RET_DATA
	switch v &^ unix.SECCOMP_RET_DATA {
	case unix.SECCOMP_RET_ALLOW:
		return "ALLOW"
	case unix.SECCOMP_RET_ERRNO:
		return fmt.Sprintf("ERRNO(%d)", data)
	case unix.SECCOMP_RET_TRACE:
		return fmt.Sprintf("TRACE(%d)", data)
	case unix.SECCOMP_RET_KILL_PROCESS:
		return "KILL_PROCESS"
	case unix.SECCOMP_RET_KILL_THREAD:
		return "KILL_THREAD"
	case unix.SECCOMP_RET_TRAP:
		return "TRAP"
	case unix.SECCOMP_RET_LOG:
		return "LOG"
	}
	return fmt.Sprintf("%#x", v)
}

// maxInstructions is the kernel's limit (BPF_MAXINSNS).
const maxInstructions = 4096

// Offsets in struct seccomp_data: int nr; u32 arch; u64 instruction_pointer;
// u64 args[6] — in the machine's byte order (little endian on x86).
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// leafSize is how many syscall numbers the binary search leaves to a linear
// scan.
var leafSize = 4

// Compile checks a profile and compiles it. A nil profile means no
// filter: Compile returns a nil program, which Install ignores.
func Compile(p *specs.LinuxSeccomp) (*Program, error) {
	if p == nil {
		return nil, nil
	}
	f, err := resolve(p)
	if err != nil {
		return nil, err
	}
	code, err := f.program()
	if err != nil {
		return nil, err
	}
	if len(code) > maxInstructions {
		return nil, fmt.Errorf("linux.seccomp: %w: compiles to %d BPF instructions, the kernel takes at most %d", ErrUnsupported, len(code), maxInstructions)
	}
	return &Program{Filter: code, Flags: f.flags, Ignored: f.ignored}, nil
}

// Validate reports what Compile would refuse.
func Validate(p *specs.LinuxSeccomp) error {
	_, err := Compile(p)
	return err
}

// The instructions the compiler uses, as classic BPF encodes them. A
// conditional jump skips jt instructions when the test holds, jf when not.
type ins = bpf.RawInstruction

func load(off uint32) ins { return ins{Op: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: off} }
func and(k uint32) ins    { return ins{Op: unix.BPF_ALU | unix.BPF_AND | unix.BPF_K, K: k} }
func ret(k uint32) ins    { return ins{Op: unix.BPF_RET | unix.BPF_K, K: k} }
func ja(skip int) ins     { return ins{Op: unix.BPF_JMP | unix.BPF_JA, K: uint32(skip)} }

// jmp is a conditional jump: op is unix.BPF_JEQ, BPF_JGT or BPF_JGE.
func jmp(op uint16, k uint32, jt, jf uint8) ins {
	return ins{Op: unix.BPF_JMP | op | unix.BPF_K, K: k, Jt: jt, Jf: jf}
}

// code is a piece of program in which every path ends in a return: pieces
// are concatenated without ever falling into one another.
type code = []ins

// program is: load the architecture, jump to its section, or return the
// bad-architecture action.
func (f *filter) program() (code, error) {
	sections := make([]code, len(f.arches))
	for i, a := range f.arches {
		s, err := f.section(a)
		if err != nil {
			return nil, err
		}
		sections[i] = s
	}
	out := code{load(offArch)}
	skip := 2*len(f.arches) - 1 // to the bad-arch return, from the first jump
	for i, a := range f.arches {
		// equal: the next instruction, a long jump to the section.
		out = append(out, jmp(unix.BPF_JEQ, a.audit, 0, 1), ja(skip-2*i+sectionsBefore(sections, i)))
	}
	out = append(out, ret(f.badArchRet))
	for _, s := range sections {
		out = append(out, s...)
	}
	return out, nil
}

func sectionsBefore(sections []code, i int) int {
	n := 0
	for _, s := range sections[:i] {
		n += len(s)
	}
	return n
}

// section filters one architecture: load the syscall number, refuse x32
// numbers, then search the numbers that have rules.
func (f *filter) section(a arch) (code, error) {
	var nrs []uint32 // in increasing order
	for nr, rules := range a.rules {
		if len(rules) > 0 {
			nrs = append(nrs, uint32(nr))
		}
	}
	out := make(code, 0, 3+4*len(nrs))
	out = append(out, load(offNr))
	if a.x32 {
		out = append(out, jmp(unix.BPF_JGE, x32Bit, 0, 1), ret(f.badArchRet))
	}
	s := searcher{f: f, rules: a.rules}
	out, err := s.emit(out, nrs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.name, err)
	}
	return out, nil
}

// searcher emits a binary search over sorted syscall numbers (the
// accumulator holds the number): about log2(n) comparisons instead of n.
type searcher struct {
	f     *filter
	rules [][]rule
}

func (s searcher) emit(out code, nrs []uint32) (code, error) {
	if len(nrs) <= leafSize {
		return s.leaf(out, nrs)
	}
	mid := len(nrs) / 2
	at := len(out)
	out, err := s.emit(append(out, ins{}), nrs[:mid])
	if err != nil {
		return nil, err
	}
	// nr >= nrs[mid]: skip the low half, just written.
	out = patchSkip(out, at, jmp(unix.BPF_JGE, nrs[mid], 0, 0), false)
	return s.emit(out, nrs[mid:])
}

// leaf compares the number with each of a few syscalls, then returns the
// default action.
func (s searcher) leaf(out code, nrs []uint32) (code, error) {
	var err error
	for _, nr := range nrs {
		at := len(out)
		if out, err = s.f.rulesCode(append(out, ins{}), s.rules[nr]); err != nil {
			return nil, fmt.Errorf("syscall %d: %w", nr, err)
		}
		// not this number: skip its rules, just written.
		out = patchSkip(out, at, jmp(unix.BPF_JEQ, nr, 0, 0), true)
	}
	return append(out, ret(s.f.defaultRet)), nil
}

// patchSkip turns the placeholder out[at] into j, jumping over everything
// written after it when j's test holds (or, with unless, when it does not).
// A conditional jump reaches 255 instructions; beyond, it jumps to the
// next instruction or over it, and that is a long jump over the rest.
func patchSkip(out code, at int, j ins, unless bool) code {
	n := len(out) - at - 1
	if n <= 255 {
		if unless {
			j.Jf = uint8(n)
		} else {
			j.Jt = uint8(n)
		}
		out[at] = j
		return out
	}
	if unless {
		j.Jt = 1
	} else {
		j.Jf = 1
	}
	out = append(out, ins{})
	copy(out[at+2:], out[at+1:])
	out[at], out[at+1] = j, ja(n)
	return out
}

// rulesCode tries a syscall's rules in order; the first that matches
// returns its action. Arguments are loaded over the syscall number: every
// path of the block returns.
func (f *filter) rulesCode(out code, rules []rule) (code, error) {
	for _, r := range rules {
		c, err := ruleCode(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c...)
		if len(r.conds) == 0 {
			return out, nil // it always matches: later rules are unreachable
		}
	}
	return append(out, ret(f.defaultRet)), nil
}
