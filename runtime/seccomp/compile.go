package seccomp

import (
	"errors"
	"fmt"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
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
const leafSize = 4

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
	raw, err := bpf.Assemble(code)
	if err != nil {
		return nil, fmt.Errorf("assemble seccomp filter: %w", err)
	}
	return &Program{Filter: raw, Flags: f.flags, Ignored: f.ignored}, nil
}

// Validate reports what Compile would refuse.
func Validate(p *specs.LinuxSeccomp) error {
	_, err := Compile(p)
	return err
}

// code is a piece of program in which every path ends in a return: pieces
// are concatenated without ever falling into one another.
type code = []bpf.Instruction

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
	out := code{bpf.LoadAbsolute{Off: offArch, Size: 4}}
	skip := 2*len(f.arches) - 1 // to the bad-arch return, from the first jump
	for i, a := range f.arches {
		// equal: next, the long jump to the section; else skip it.
		out = append(out, bpf.JumpIf{Cond: bpf.JumpEqual, Val: a.audit, SkipTrue: 0, SkipFalse: 1},
			bpf.Jump{Skip: uint32(skip - 2*i + sectionsBefore(sections, i))})
	}
	out = append(out, bpf.RetConstant{Val: f.badArchRet})
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
	out := code{bpf.LoadAbsolute{Off: offNr, Size: 4}}
	if a.x32 {
		out = append(out, bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: x32Bit, SkipTrue: 0, SkipFalse: 1},
			bpf.RetConstant{Val: f.badArchRet})
	}
	nrs := make([]uint32, 0, len(a.rules))
	for nr, rules := range a.rules {
		if len(rules) > 0 {
			nrs = append(nrs, nr)
		}
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	tree, err := f.search(a, nrs)
	if err != nil {
		return nil, err
	}
	return append(out, tree...), nil
}

// search is a binary search over sorted syscall numbers (the accumulator
// holds the number): about log2(n) comparisons instead of n.
func (f *filter) search(a arch, nrs []uint32) (code, error) {
	if len(nrs) <= leafSize {
		return f.leaf(a, nrs)
	}
	mid := len(nrs) / 2
	low, err := f.search(a, nrs[:mid])
	if err != nil {
		return nil, err
	}
	high, err := f.search(a, nrs[mid:])
	if err != nil {
		return nil, err
	}
	// nr >= nrs[mid]: skip the low half.
	out := skipIf(bpf.JumpGreaterOrEqual, nrs[mid], len(low))
	out = append(out, low...)
	return append(out, high...), nil
}

// skipIf jumps over the next n instructions when the accumulator passes the
// test, with a long jump when n does not fit the 8-bit conditional offset.
func skipIf(test bpf.JumpTest, val uint32, n int) code {
	if n <= 255 {
		return code{bpf.JumpIf{Cond: test, Val: val, SkipTrue: uint8(n)}}
	}
	return code{bpf.JumpIf{Cond: test, Val: val, SkipTrue: 0, SkipFalse: 1}, bpf.Jump{Skip: uint32(n)}}
}

// leaf compares the number with each of a few syscalls, then returns the
// default action.
func (f *filter) leaf(a arch, nrs []uint32) (code, error) {
	var out code
	for _, nr := range nrs {
		block, err := f.rulesCode(a.rules[nr])
		if err != nil {
			return nil, fmt.Errorf("syscall %d on %s: %w", nr, a.name, err)
		}
		out = append(out, skipIf(bpf.JumpNotEqual, nr, len(block))...)
		out = append(out, block...)
	}
	return append(out, bpf.RetConstant{Val: f.defaultRet}), nil
}

// rulesCode tries a syscall's rules in order; the first that matches
// returns its action. The number in the accumulator is lost: arguments
// are loaded over it.
func (f *filter) rulesCode(rules []rule) (code, error) {
	var out code
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
	return append(out, bpf.RetConstant{Val: f.defaultRet}), nil
}

// target is where a jump of a condition goes, resolved by ruleCode.
type target uint8

const (
	next target = iota // the following instruction
	pass               // the next condition (this one holds)
	fail               // the next rule (this one does not match)
)

// test is a conditional jump whose targets are not yet offsets.
type test struct {
	cond bpf.JumpTest
	val  uint32
	t, f target
}

// ruleCode: each condition falls through when it holds and jumps past the
// rule's return when it does not.
func ruleCode(r rule) (code, error) {
	var items []any // bpf.Instruction or test
	var ends []int  // where each condition's code ends
	owner := []int{}
	for ci, c := range r.conds {
		for _, it := range condCode(c) {
			items = append(items, it)
			owner = append(owner, ci)
		}
		ends = append(ends, len(items))
	}
	items = append(items, bpf.RetConstant{Val: r.ret})
	owner = append(owner, -1)
	out := make(code, len(items))
	for i, it := range items {
		t, ok := it.(test)
		if !ok {
			out[i] = it.(bpf.Instruction)
			continue
		}
		resolve := func(to target) (uint8, error) {
			dest := i + 1
			switch to {
			case pass:
				dest = ends[owner[i]]
			case fail:
				dest = len(items)
			}
			if dest-i-1 > 255 {
				return 0, errors.New("condition jump too long")
			}
			return uint8(dest - i - 1), nil
		}
		jt, err1 := resolve(t.t)
		jf, err2 := resolve(t.f)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		out[i] = bpf.JumpIf{Cond: t.cond, Val: t.val, SkipTrue: jt, SkipFalse: jf}
	}
	return out, nil
}

// condCode compares a 64-bit argument, unsigned, as libseccomp does: the
// high half first, then the low half.
func condCode(c cond) []any {
	hi, lo := loadArg(c.index, 4), loadArg(c.index, 0)
	vhi, vlo := uint32(c.value>>32), uint32(c.value)
	switch c.op {
	case specs.OpEqualTo:
		return []any{hi, test{bpf.JumpEqual, vhi, next, fail}, lo, test{bpf.JumpEqual, vlo, pass, fail}}
	case specs.OpNotEqual:
		return []any{hi, test{bpf.JumpEqual, vhi, next, pass}, lo, test{bpf.JumpEqual, vlo, fail, pass}}
	case specs.OpGreaterThan, specs.OpGreaterEqual:
		low := bpf.JumpGreaterThan
		if c.op == specs.OpGreaterEqual {
			low = bpf.JumpGreaterOrEqual
		}
		return []any{hi, test{bpf.JumpGreaterThan, vhi, pass, next}, test{bpf.JumpEqual, vhi, next, fail},
			lo, test{low, vlo, pass, fail}}
	case specs.OpLessThan, specs.OpLessEqual:
		// a < v is not (a >= v); a <= v is not (a > v).
		low := bpf.JumpGreaterOrEqual
		if c.op == specs.OpLessEqual {
			low = bpf.JumpGreaterThan
		}
		return []any{hi, test{bpf.JumpGreaterOrEqual, vhi, next, pass}, test{bpf.JumpEqual, vhi, next, fail},
			lo, test{low, vlo, fail, pass}}
	default: // OpMaskedEqual: (arg & value) == valueTwo
		mhi, mlo := uint32(c.valueTwo>>32), uint32(c.valueTwo)
		return []any{hi, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: vhi}, test{bpf.JumpEqual, mhi, next, fail},
			lo, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: vlo}, test{bpf.JumpEqual, mlo, pass, fail}}
	}
}

func loadArg(index uint, half uint32) bpf.Instruction {
	return bpf.LoadAbsolute{Off: offArgs + 8*uint32(index) + half, Size: 4}
}
