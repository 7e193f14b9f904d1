package seccomp

import (
	"errors"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// target is where a jump of a condition goes, resolved by ruleCode.
type target uint8

const (
	next target = iota // the following instruction
	pass               // the next condition (this one holds)
	fail               // the next rule (this one does not match)
)

// step is one instruction of a condition: a load or an and, or, when op
// is a jump, a test whose targets are not yet offsets.
type step struct {
	ins  ins
	op   uint16 // BPF_JEQ, BPF_JGT, BPF_JGE; 0 for ins
	k    uint32
	t, f target
}

func jump(op uint16, k uint32, t, f target) step { return step{op: op, k: k, t: t, f: f} }
func plain(i ins) step                           { return step{ins: i} }

// ruleCode: each condition falls through when it holds and jumps past the
// rule's return when it does not.
func ruleCode(r rule) (code, error) {
	var steps []step
	var owner, ends []int // the condition of each step; where each condition ends
	for ci, c := range r.conds {
		for _, s := range condSteps(c) {
			steps, owner = append(steps, s), append(owner, ci)
		}
		ends = append(ends, len(steps))
	}
	out := make(code, len(steps), len(steps)+1)
	for i, s := range steps {
		if s.op == 0 {
			out[i] = s.ins
			continue
		}
		offset := func(to target) int {
			switch to {
			case pass:
				return ends[owner[i]] - i - 1
			case fail:
				return len(steps) + 1 - i - 1 // past the return
			}
			return 0
		}
		jt, jf := offset(s.t), offset(s.f)
		if jt > 255 || jf > 255 {
			return nil, errors.New("condition jump too long")
		}
		out[i] = jmp(s.op, s.k, uint8(jt), uint8(jf))
	}
	return append(out, ret(r.ret)), nil
}

// condSteps compares a 64-bit argument, unsigned, as libseccomp does: the
// high half first, then the low half.
func condSteps(c cond) []step {
	hi, lo := plain(load(offArgs+8*uint32(c.index)+4)), plain(load(offArgs+8*uint32(c.index)))
	vhi, vlo := uint32(c.value>>32), uint32(c.value)
	const eq, gt, ge = unix.BPF_JEQ, unix.BPF_JGT, unix.BPF_JGE
	switch c.op {
	case specs.OpEqualTo:
		return []step{hi, jump(eq, vhi, next, fail), lo, jump(eq, vlo, pass, fail)}
	case specs.OpNotEqual:
		return []step{hi, jump(eq, vhi, next, pass), lo, jump(eq, vlo, fail, pass)}
	case specs.OpGreaterThan, specs.OpGreaterEqual:
		low := uint16(gt)
		if c.op == specs.OpGreaterEqual {
			low = ge
		}
		return []step{hi, jump(gt, vhi, pass, next), jump(eq, vhi, next, fail), lo, jump(low, vlo, pass, fail)}
	case specs.OpLessThan, specs.OpLessEqual:
		// a < v is not (a >= v); a <= v is not (a > v).
		low := uint16(ge)
		if c.op == specs.OpLessEqual {
			low = gt
		}
		return []step{hi, jump(ge, vhi, next, pass), jump(eq, vhi, next, fail), lo, jump(low, vlo, fail, pass)}
	default: // OpMaskedEqual: (arg & value) == valueTwo
		mhi, mlo := uint32(c.valueTwo>>32), uint32(c.valueTwo)
		return []step{hi, plain(and(vhi)), jump(eq, mhi, next, fail), lo, plain(and(vlo)), jump(eq, mlo, pass, fail)}
	}
}
