package caps

import (
	"fmt"
	"math/bits"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Set is a set of capability numbers, one bit per capability (Linux has
// fewer than 64).
type Set uint64

// Upto returns the set of capabilities 0..last.
func Upto(last int) Set {
	if last >= 63 {
		return ^Set(0)
	}
	return Set(1)<<(last+1) - 1
}

// Has reports whether n is in the set.
func (s Set) Has(n int) bool { return n >= 0 && n < 64 && s&(1<<n) != 0 }

// List returns the numbers in the set, in increasing order.
func (s Set) List() []int {
	var out []int
	for s != 0 {
		n := bits.TrailingZeros64(uint64(s))
		out = append(out, n)
		s &^= 1 << n
	}
	return out
}

// Names returns the names of the capabilities in the set.
func (s Set) Names() []string {
	var out []string
	for _, n := range s.List() {
		out = append(out, Name(n))
	}
	return out
}

// Words splits the set into the two 32-bit words of capset's
// version 3 data (the low capabilities first).
func (s Set) Words() [2]uint32 { return [2]uint32{uint32(s), uint32(s >> 32)} }

// Plan is what Apply does to the init's capabilities.
type Plan struct {
	// LastCap is the running kernel's highest capability number.
	LastCap int
	// The five sets of the process after Apply.
	Bounding, Effective, Permitted, Inheritable, Ambient Set
	// Unsupported lists names this package knows but the running kernel
	// does not; like runc, they are left out (the caller may log them).
	Unsupported []string
}

// Drop is the part of the bounding set Apply removes: every capability
// the kernel knows that the spec's bounding set does not list.
func (p *Plan) Drop() Set { return Upto(p.LastCap) &^ p.Bounding }

// Validate checks a spec's capability names and that the sets are
// consistent, whatever the running kernel.
func Validate(c *specs.LinuxCapabilities) error {
	_, err := NewPlan(c, Last)
	return err
}

// NewPlan computes the capability sets for a kernel whose highest
// capability is lastCap (see LastCap). A nil c means the spec leaves
// capabilities alone: NewPlan returns a nil plan and Apply does nothing
// (runc does the same).
func NewPlan(c *specs.LinuxCapabilities, lastCap int) (*Plan, error) {
	if c == nil {
		return nil, nil
	}
	p := &Plan{LastCap: lastCap}
	fields := []struct {
		name  string
		names []string
		set   *Set
	}{
		{"bounding", c.Bounding, &p.Bounding}, {"effective", c.Effective, &p.Effective},
		{"permitted", c.Permitted, &p.Permitted}, {"inheritable", c.Inheritable, &p.Inheritable},
		{"ambient", c.Ambient, &p.Ambient},
	}
	for _, f := range fields {
		set, err := p.parse(f.name, f.names)
		if err != nil {
			return nil, err
		}
		*f.set = set
	}
	if err := p.check(c); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Plan) parse(field string, list []string) (Set, error) {
	var s Set
	for i, name := range list {
		n, ok := Number(name)
		if !ok {
			return 0, fmt.Errorf("process.capabilities.%s[%d] %q: %w (known: CAP_CHOWN ... %s)", field, i, name, ErrUnknown, names[Last])
		}
		if n > p.LastCap {
			p.Unsupported = appendOnce(p.Unsupported, name)
			continue
		}
		s |= 1 << n
	}
	return s, nil
}

// check refuses sets the kernel would refuse together, naming the first
// capability at fault: effective must be within permitted, inheritable
// within bounding, ambient within permitted and inheritable.
func (p *Plan) check(c *specs.LinuxCapabilities) error {
	rules := []struct {
		field string
		list  []string
		set   Set
		in    Set
		why   string
	}{
		{"effective", c.Effective, p.Effective, p.Permitted, "is not in process.capabilities.permitted"},
		{"inheritable", c.Inheritable, p.Inheritable, p.Bounding, "is not in process.capabilities.bounding"},
		{"ambient", c.Ambient, p.Ambient, p.Permitted & p.Inheritable, "must also be in permitted and inheritable"},
	}
	for _, r := range rules {
		extra := r.set &^ r.in
		if extra == 0 {
			continue
		}
		first := Name(extra.List()[0])
		for i, name := range r.list {
			if name == first {
				return fmt.Errorf("process.capabilities.%s[%d] %q %s: %w", r.field, i, name, r.why, ErrInvalid)
			}
		}
	}
	return nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
