package cgroups

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// device is one access the kernel asks the program about.
type device struct {
	Type         uint32 // devTypeChar or devTypeBlock
	Major, Minor uint32
	Access       uint32 // devAcc* bits
}

func (d device) String() string {
	t := "c"
	if d.Type == devTypeBlock {
		t = "b"
	}
	acc := ""
	for _, b := range []struct {
		bit uint32
		c   string
	}{{devAccRead, "r"}, {devAccWrite, "w"}, {devAccMknod, "m"}} {
		if d.Access&b.bit != 0 {
			acc += b.c
		}
	}
	return fmt.Sprintf("%s %d:%d %s", t, d.Major, d.Minor, acc)
}

func char(major, minor uint32, access string) device {
	return device{Type: devTypeChar, Major: major, Minor: minor, Access: accessBits(access)}
}

func block(major, minor uint32, access string) device {
	return device{Type: devTypeBlock, Major: major, Minor: minor, Access: accessBits(access)}
}

func accessBits(s string) uint32 {
	r, err := parseDeviceRule(specs.LinuxDeviceCgroup{Access: s})
	if err != nil {
		panic(err)
	}
	return r.Access
}

// runDeviceProgram interprets the few instructions DeviceProgram emits,
// as the kernel would run them for d, and returns R0 (1 allow, 0 deny).
// Any other instruction is an error, so a generator change that emits
// something new must teach this interpreter too.
func runDeviceProgram(insns asm.Instructions, d device) (uint64, error) {
	labels := map[string]int{}
	for i, ins := range insns {
		if s := ins.Symbol(); s != "" {
			labels[s] = i
		}
	}
	ctx := map[int16]uint64{0: uint64(d.Type | d.Access<<16), 4: uint64(d.Major), 8: uint64(d.Minor)}
	var reg [11]uint64
	for pc, steps := 0, 0; steps < 10000; steps++ {
		if pc < 0 || pc >= len(insns) {
			return 0, fmt.Errorf("pc %d outside the program (%d instructions)", pc, len(insns))
		}
		ins := insns[pc]
		op := ins.OpCode
		pc++
		switch {
		case op.Class() == asm.LdXClass && op.Mode() == asm.MemMode:
			v, ok := ctx[ins.Offset]
			if ins.Src != asm.R1 || op.Size() != asm.Word || !ok {
				return 0, fmt.Errorf("%v: only 32-bit loads of bpf_cgroup_dev_ctx fields", ins)
			}
			reg[ins.Dst] = v
		case op.Class() == asm.ALU64Class:
			src := uint64(ins.Constant)
			if op.Source() == asm.RegSource {
				src = reg[ins.Src]
			}
			switch op.ALUOp() {
			case asm.Mov:
				reg[ins.Dst] = src
			case asm.And:
				reg[ins.Dst] &= src
			case asm.RSh:
				reg[ins.Dst] >>= src
			default:
				return 0, fmt.Errorf("%v: ALU op not interpreted", ins)
			}
		case op.Class() == asm.JumpClass:
			if op.JumpOp() == asm.Exit {
				return reg[asm.R0], nil
			}
			if op.Source() != asm.ImmSource {
				return 0, fmt.Errorf("%v: only immediate jumps", ins)
			}
			v, imm := reg[ins.Dst], uint64(ins.Constant)
			var taken bool
			switch op.JumpOp() {
			case asm.JEq:
				taken = v == imm
			case asm.JNE:
				taken = v != imm
			case asm.JSet:
				taken = v&imm != 0
			default:
				return 0, fmt.Errorf("%v: jump not interpreted", ins)
			}
			if taken {
				to, ok := labels[ins.Reference()]
				if !ok {
					return 0, fmt.Errorf("%v: jump to unknown label %q", ins, ins.Reference())
				}
				pc = to
			}
		default:
			return 0, fmt.Errorf("%v: instruction not interpreted", ins)
		}
	}
	return 0, errors.New("program did not exit within 10000 steps")
}

func rule(allow bool, typ string, major, minor int64, access string) specs.LinuxDeviceCgroup {
	r := specs.LinuxDeviceCgroup{Allow: allow, Type: typ, Access: access}
	if major != -2 {
		r.Major = &major
	}
	if minor != -2 {
		r.Minor = &minor
	}
	return r
}

// nilNum (-2 for rule) leaves major or minor unset, which also means any.
const nilNum = -2

var denyAll = specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"}

func TestDeviceProgramDecisions(t *testing.T) {
	tests := []struct {
		name    string
		rules   []specs.LinuxDeviceCgroup
		allowed []device
		denied  []device
	}{
		{"no rules allow everything", nil,
			[]device{char(1, 3, "rwm"), block(8, 0, "rw")}, nil},
		{"deny all, allow /dev/null", []specs.LinuxDeviceCgroup{denyAll, rule(true, "c", 1, 3, "rwm")},
			[]device{char(1, 3, "r"), char(1, 3, "w"), char(1, 3, "rw"), char(1, 3, "rwm")},
			[]device{char(1, 5, "r"), char(5, 1, "rw"), block(1, 3, "r"), char(3, 1, "r")}},
		{"minor wildcard: ptys", []specs.LinuxDeviceCgroup{denyAll, rule(true, "c", 136, -1, "rwm")},
			[]device{char(136, 0, "rw"), char(136, 77, "r")},
			[]device{char(137, 0, "r"), block(136, 0, "r")}},
		{"unset numbers are wildcards", []specs.LinuxDeviceCgroup{denyAll, rule(true, "b", nilNum, nilNum, "r")},
			[]device{block(8, 0, "r"), block(253, 1, "r")},
			[]device{block(8, 0, "w"), char(1, 3, "r")}},
		{"type a matches char and block", []specs.LinuxDeviceCgroup{denyAll, rule(true, "a", 10, nilNum, "m")},
			[]device{char(10, 200, "m"), block(10, 1, "m")},
			[]device{char(10, 200, "r"), char(11, 0, "m")}},
		{"access subset", []specs.LinuxDeviceCgroup{denyAll, rule(true, "c", 1, 3, "r")},
			[]device{char(1, 3, "r")},
			[]device{char(1, 3, "w"), char(1, 3, "rw"), char(1, 3, "m")}},
		{"each access decided on its own", []specs.LinuxDeviceCgroup{denyAll, rule(true, "c", 1, 3, "r"), rule(true, "c", 1, 3, "w")},
			[]device{char(1, 3, "rw")},
			[]device{char(1, 3, "rwm")}},
		{"deny part of an allowed device", []specs.LinuxDeviceCgroup{rule(true, "a", -1, -1, "rwm"), rule(false, "c", 1, 5, "w")},
			[]device{char(1, 5, "r"), char(1, 3, "rw")},
			[]device{char(1, 5, "w"), char(1, 5, "rw")}},
		{"the last match wins", []specs.LinuxDeviceCgroup{rule(true, "c", 1, 3, "rwm"), denyAll},
			nil,
			[]device{char(1, 3, "r"), char(1, 5, "r")}},
		{"a later allow undoes an earlier deny", []specs.LinuxDeviceCgroup{denyAll, rule(false, "c", 1, 3, "rwm"), rule(true, "c", 1, 3, "rw")},
			[]device{char(1, 3, "rw")},
			[]device{char(1, 3, "m")}},
		{"without deny all, unlisted devices stay allowed", []specs.LinuxDeviceCgroup{rule(false, "c", 1, 5, "rwm")},
			[]device{char(1, 3, "rw"), block(1, 5, "r")},
			[]device{char(1, 5, "r")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			insns, err := DeviceProgram(tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			check := func(d device, want bool) {
				got, err := runDeviceProgram(insns, d)
				if err != nil {
					t.Fatalf("%v: %v\n%v", d, err, insns)
				}
				if (got == 1) != want || got > 1 {
					t.Errorf("%v: program returned %d, want allowed=%v\n%v", d, got, want, insns)
				}
			}
			for _, d := range tt.allowed {
				check(d, true)
			}
			for _, d := range tt.denied {
				check(d, false)
			}
		})
	}
}

// The usual container list: deny all, then allow a few devices. The
// program checks the allows from the last one, then denies the rest, and
// stops there: nothing before "deny all" could change a decision.
func TestDeviceProgramShape(t *testing.T) {
	insns, err := DeviceProgram([]specs.LinuxDeviceCgroup{
		rule(true, "c", 1, 3, "rwm"), // unreachable: deny all follows
		denyAll,
		rule(true, "c", 1, 3, "rwm"),
		rule(true, "c", 136, -1, "rw"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var symbols []string
	for _, ins := range insns {
		if s := ins.Symbol(); s != "" {
			symbols = append(symbols, s)
		}
	}
	want := "devices[3] devices[2] devices[1] allow deny"
	if got := strings.Join(symbols, " "); got != want {
		t.Errorf("blocks %q, want %q\n%v", got, want, insns)
	}
	// prologue 6, c 136:* rw 4, c 1:3 rwm 5, deny all 1, exits 4
	if len(insns) != 20 {
		t.Errorf("%d instructions, want 20\n%v", len(insns), insns)
	}
	if s := fmt.Sprint(insns); !strings.Contains(s, "devices[2]: allow c 1:3 rwm") || !strings.Contains(s, "devices[1]: deny a *:* rwm") {
		t.Errorf("listing lacks the rule comments:\n%s", s)
	}
	assertReferencesResolve(t, insns)
}

func TestDeviceProgramWithoutDenyHasNoDenyExit(t *testing.T) {
	insns, err := DeviceProgram([]specs.LinuxDeviceCgroup{rule(true, "c", 1, 3, "r")})
	if err != nil {
		t.Fatal(err)
	}
	for _, ins := range insns {
		if ins.Symbol() == labelDeny {
			// The verifier refuses unreachable instructions.
			t.Fatalf("deny exit without a deny rule:\n%v", insns)
		}
	}
	assertReferencesResolve(t, insns)
}

func assertReferencesResolve(t *testing.T, insns asm.Instructions) {
	t.Helper()
	syms := map[string]bool{}
	for _, ins := range insns {
		syms[ins.Symbol()] = true
	}
	for _, ins := range insns {
		if r := ins.Reference(); r != "" && !syms[r] {
			t.Errorf("%v jumps to missing label %q", ins, r)
		}
	}
}

// decideDevice is the rules' meaning written the plain way: for each
// access bit asked, the last rule that matches the device and names the
// bit decides; no such rule allows.
func decideDevice(rules []deviceRule, d device) bool {
	for _, bit := range []uint32{devAccMknod, devAccRead, devAccWrite} {
		if d.Access&bit == 0 {
			continue
		}
		for i := len(rules) - 1; i >= 0; i-- {
			r := rules[i]
			typeOK := r.Type == "a" || (r.Type == "c") == (d.Type == devTypeChar)
			if typeOK && (r.Major < 0 || r.Major == int64(d.Major)) && (r.Minor < 0 || r.Minor == int64(d.Minor)) && r.Access&bit != 0 {
				if !r.Allow {
					return false
				}
				break
			}
		}
	}
	return true
}

// Random rule lists over a few devices: the program must agree with
// decideDevice on every device and access.
func TestDeviceProgramAgreesWithTheRules(t *testing.T) {
	rnd := rand.New(rand.NewSource(2))
	types, nums, letters := []string{"a", "c", "b"}, []int64{-1, 1, 3, 5}, []string{"r", "w", "m", "rw", "rm", "wm", "rwm"}
	for n := 0; n < 3000; n++ {
		var rules []specs.LinuxDeviceCgroup
		for range rnd.Intn(7) {
			rules = append(rules, rule(rnd.Intn(2) == 0, types[rnd.Intn(3)], nums[rnd.Intn(4)], nums[rnd.Intn(4)], letters[rnd.Intn(7)]))
		}
		insns, err := DeviceProgram(rules)
		if err != nil {
			t.Fatal(err)
		}
		parsed, _ := parseDeviceRules(rules)
		for _, typ := range []uint32{devTypeChar, devTypeBlock} {
			for _, major := range []uint32{1, 3, 5} {
				for _, minor := range []uint32{1, 3, 5} {
					for acc := uint32(1); acc <= devAccAll; acc++ {
						d := device{typ, major, minor, acc}
						got, err := runDeviceProgram(insns, d)
						if err != nil {
							t.Fatal(err)
						}
						if want := decideDevice(parsed, d); (got == 1) != want {
							t.Fatalf("rules %s, %v: program says %d, want allowed=%v\n%v", deviceRulesText(parsed), d, got, want, insns)
						}
					}
				}
			}
		}
	}
}

func TestDeviceProgramRejectsBadRules(t *testing.T) {
	_, err := DeviceProgram([]specs.LinuxDeviceCgroup{
		denyAll,
		{Allow: true, Type: "x", Access: "rw"},
		{Allow: true, Type: "c", Access: "rwx"},
		rule(true, "c", -5, 3, "r"),
		rule(true, "b", 8, 1<<40, "r"),
	})
	if !errors.Is(err, ErrInvalidResources) {
		t.Fatalf("err %v, want ErrInvalidResources", err)
	}
	for _, want := range []string{
		`resources.devices[1]: type "x": want a (all), c (char) or b (block)`,
		`resources.devices[2]: access "rwx": want letters from r (read), w (write) and m (mknod)`,
		"resources.devices[3]: major -5: want -1 (any) or 0 to 2147483647",
		"resources.devices[4]: minor 1099511627776",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "devices[0]") {
		t.Errorf("error %q blames the valid devices[0]", err)
	}
}

func TestPlanChecksDeviceRulesOnBothVersions(t *testing.T) {
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{denyAll, {Type: "u", Access: "r"}}}
	for _, h := range []Host{v1Host, v2Host} {
		_, err := Plan(r, h)
		if !errors.Is(err, ErrInvalidResources) || !strings.Contains(err.Error(), `resources.devices[1]: type "u"`) {
			t.Errorf("%s: Plan: %v, want an error naming resources.devices[1]", h.Mode, err)
		}
	}
}
