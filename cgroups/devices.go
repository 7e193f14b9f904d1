package cgroups

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/asm"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Device access rules (OCI linux.resources.devices) say which device
// nodes a container may open (r, w) or create (m). They are a list read in
// order, each rule allowing or denying some access to some devices:
//
//	{"allow": false, "access": "rwm"}                                  deny everything
//	{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}  then allow /dev/null
//
// cgroup v1 has a devices controller that takes the rules as text, one
// write each to devices.deny or devices.allow (devicesV1 in plan.go).
//
// cgroup v2 has no devices controller and no such files. Instead the
// kernel runs a BPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached
// to the cgroup each time a process in it opens or creates a device node;
// the program returns 1 (allow) or 0 (deny, the process gets EPERM).
// DeviceProgram below writes that program from the rules; attachDevices
// (devices_linux.go) loads it into the kernel and attaches it.

// Access bits and device types as the kernel passes them to the program
// in struct bpf_cgroup_dev_ctx (include/uapi/linux/bpf.h).
const (
	devAccMknod = 1 // BPF_DEVCG_ACC_MKNOD: m
	devAccRead  = 2 // BPF_DEVCG_ACC_READ: r
	devAccWrite = 4 // BPF_DEVCG_ACC_WRITE: w
	devAccAll   = devAccMknod | devAccRead | devAccWrite

	devTypeBlock = 1 // BPF_DEVCG_DEV_BLOCK
	devTypeChar  = 2 // BPF_DEVCG_DEV_CHAR
)

// deviceRule is one checked OCI device rule.
type deviceRule struct {
	Allow        bool
	Type         string // "a" (any), "c" (char) or "b" (block)
	Major, Minor int64  // -1: any
	Access       uint32 // devAcc* bits
	Letters      string // the access as given, "rwm" if empty
}

// coversAll reports whether the rule covers every device with every access:
// once the program reaches such a rule, it is decided.
func (r deviceRule) coversAll() bool {
	return r.Type == "a" && r.Major < 0 && r.Minor < 0 && r.Access == devAccAll
}

// String renders the rule in the v1 devices controller's syntax,
// "c 1:3 rwm", with "*" for any number.
func (r deviceRule) String() string {
	num := func(n int64) string {
		if n < 0 {
			return "*"
		}
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%s %s:%s %s", r.Type, num(r.Major), num(r.Minor), r.Letters)
}

// parseDeviceRule checks one OCI rule. Empty type means "a" and empty
// access "rwm", as in runc.
func parseDeviceRule(d specs.LinuxDeviceCgroup) (deviceRule, error) {
	r := deviceRule{Allow: d.Allow, Type: d.Type, Letters: d.Access}
	if r.Type == "" {
		r.Type = "a"
	}
	if r.Type != "a" && r.Type != "c" && r.Type != "b" {
		return r, fmt.Errorf("type %q: want a (all), c (char) or b (block)", d.Type)
	}
	var err error
	if r.Major, err = deviceNumber("major", d.Major); err != nil {
		return r, err
	}
	if r.Minor, err = deviceNumber("minor", d.Minor); err != nil {
		return r, err
	}
	if r.Letters == "" {
		r.Letters = "rwm"
	}
	for _, c := range r.Letters {
		switch c {
		case 'r':
			r.Access |= devAccRead
		case 'w':
			r.Access |= devAccWrite
		case 'm':
			r.Access |= devAccMknod
		default:
			return r, fmt.Errorf("access %q: want letters from r (read), w (write) and m (mknod)", d.Access)
		}
	}
	return r, nil
}

// deviceNumber: nil and -1 mean any; the program compares 32-bit signed
// immediates, far above the kernel's 12-bit majors and 20-bit minors.
func deviceNumber(what string, n *int64) (int64, error) {
	switch {
	case n == nil || *n == -1:
		return -1, nil
	case *n < 0 || *n > math.MaxInt32:
		return 0, fmt.Errorf("%s %d: want -1 (any) or 0 to %d", what, *n, math.MaxInt32)
	}
	return *n, nil
}

// parseDeviceRules checks every rule; the errors name devices[i].
func parseDeviceRules(rules []specs.LinuxDeviceCgroup) ([]deviceRule, error) {
	out := make([]deviceRule, 0, len(rules))
	var errs []error
	for i, d := range rules {
		r, err := parseDeviceRule(d)
		if err != nil {
			errs = append(errs, &FieldError{Field: fmt.Sprintf("devices[%d]", i), Msg: err.Error(), Err: ErrInvalidResources})
		}
		out = append(out, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// DeviceRule renders an OCI device rule in the v1 devices controller's
// syntax: TYPE MAJOR:MINOR ACCESS, with "a" and "*" for "any".
func DeviceRule(d specs.LinuxDeviceCgroup) (string, error) {
	r, err := parseDeviceRule(d)
	if err != nil {
		return "", err
	}
	return r.String(), nil
}

// Registers of the device program. The kernel calls it with R1 pointing
// at struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
// and reads the decision from R0.
const (
	regType   = asm.R2 // BPF_DEVCG_DEV_BLOCK or BPF_DEVCG_DEV_CHAR
	regAccess = asm.R3 // access bits requested and not yet decided
	regMajor  = asm.R4
	regMinor  = asm.R5
)

// Labels of the two exits.
const (
	labelAllow = "allow"
	labelDeny  = "deny"
)

// DeviceProgram compiles OCI device rules into a BPF_PROG_TYPE_CGROUP_DEVICE
// program. Invalid rules get an error naming devices[i]. Print the result
// (fmt.Println(insns)) to read the program with one comment per rule.
//
// Semantics: the last rule that matches decides, as when the rules are
// written one by one to v1's devices.allow and devices.deny. Each access
// (r, w, m) is decided on its own, so a request for "rw" is allowed only
// if, for r and for w, the last matching rule naming that letter allows
// it. What no rule decides is allowed (a new cgroup inherits its
// parent's unrestricted access; the parent's programs still run), which
// is why rule lists begin with "deny all".
//
// The program's shape:
//
//	prologue      R2 = type, R3 = requested access, R4 = major, R5 = minor
//	devices[n-1]  the last rule first:
//	                if R2 != type  goto devices[n-2]   (only for c or b)
//	                if R4 != major goto devices[n-2]   (only for a number)
//	                if R5 != minor goto devices[n-2]   (only for a number)
//	              a deny rule:  if R3 & access goto deny
//	              an allow rule: R3 &^= access; if R3 == 0 goto allow
//	devices[n-2]  ... up to devices[0], or up to the first rule (from the
//	              end) that covers every device and access, such as
//	              "deny all": rules before it can never decide anything
//	allow:        R0 = 1; exit
//	deny:         R0 = 0; exit                     (only if a rule denies)
func DeviceProgram(rules []specs.LinuxDeviceCgroup) (asm.Instructions, error) {
	parsed, err := parseDeviceRules(rules)
	if err != nil {
		return nil, err
	}
	return deviceProgram(parsed), nil
}

func deviceProgram(rules []deviceRule) asm.Instructions {
	insns := devicePrologue()
	denies := false
	for i := len(rules) - 1; i >= 0; i-- {
		next := labelAllow
		if i > 0 && !rules[i].coversAll() {
			next = fmt.Sprintf("devices[%d]", i-1)
		}
		insns = append(insns, deviceCheck(i, rules[i], next)...)
		denies = denies || !rules[i].Allow
		if rules[i].coversAll() {
			break
		}
	}
	insns = append(insns,
		asm.Mov.Imm(asm.R0, 1).WithSymbol(labelAllow).WithSource(asm.Comment("no rule denied what was asked: allow")),
		asm.Return())
	if denies {
		insns = append(insns,
			asm.Mov.Imm(asm.R0, 0).WithSymbol(labelDeny).WithSource(asm.Comment("a deny rule matched: EPERM")),
			asm.Return())
	}
	return insns
}

// devicePrologue splits access_type into the device type (low 16 bits)
// and the access bits (high 16 bits), and loads major and minor.
func devicePrologue() asm.Instructions {
	return asm.Instructions{
		asm.LoadMem(regType, asm.R1, 0, asm.Word).WithSource(asm.Comment("access_type: type | access << 16")),
		asm.Mov.Reg(regAccess, regType),
		asm.RSh.Imm(regAccess, 16),
		asm.And.Imm(regType, 0xffff),
		asm.LoadMem(regMajor, asm.R1, 4, asm.Word).WithSource(asm.Comment("major")),
		asm.LoadMem(regMinor, asm.R1, 8, asm.Word).WithSource(asm.Comment("minor")),
	}
}

// deviceCheck is the block of rule i: skip to next unless the device
// matches, then decide the access bits the rule names.
func deviceCheck(i int, r deviceRule, next string) asm.Instructions {
	var insns asm.Instructions
	switch r.Type {
	case "c":
		insns = append(insns, asm.JNE.Imm(regType, devTypeChar, next))
	case "b":
		insns = append(insns, asm.JNE.Imm(regType, devTypeBlock, next))
	}
	if r.Major >= 0 {
		insns = append(insns, asm.JNE.Imm(regMajor, int32(r.Major), next))
	}
	if r.Minor >= 0 {
		insns = append(insns, asm.JNE.Imm(regMinor, int32(r.Minor), next))
	}
	if r.Allow {
		insns = append(insns,
			asm.And.Imm(regAccess, ^int32(r.Access)),
			asm.JEq.Imm(regAccess, 0, labelAllow))
	} else {
		insns = append(insns, asm.JSet.Imm(regAccess, int32(r.Access), labelDeny))
	}
	verb := "deny"
	if r.Allow {
		verb = "allow"
	}
	insns[0] = insns[0].WithSymbol(fmt.Sprintf("devices[%d]", i)).
		WithSource(asm.Comment(fmt.Sprintf("devices[%d]: %s %s", i, verb, r)))
	return insns
}

// deviceRulesText lists rules for logs: "deny a *:* rwm, allow c 1:3 rwm".
func deviceRulesText(rules []deviceRule) string {
	parts := make([]string, len(rules))
	for i, r := range rules {
		verb := "deny "
		if r.Allow {
			verb = "allow "
		}
		parts[i] = verb + r.String()
	}
	return strings.Join(parts, ", ")
}
