package caps

import (
	"errors"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestNamesMatchKernelHeaders(t *testing.T) {
	want := map[string]int{
		"CAP_CHOWN": unix.CAP_CHOWN, "CAP_DAC_OVERRIDE": unix.CAP_DAC_OVERRIDE, "CAP_SETPCAP": unix.CAP_SETPCAP,
		"CAP_NET_BIND_SERVICE": unix.CAP_NET_BIND_SERVICE, "CAP_NET_RAW": unix.CAP_NET_RAW,
		"CAP_SYS_MODULE": unix.CAP_SYS_MODULE, "CAP_SYS_CHROOT": unix.CAP_SYS_CHROOT, "CAP_SYS_ADMIN": unix.CAP_SYS_ADMIN,
		"CAP_MKNOD": unix.CAP_MKNOD, "CAP_AUDIT_WRITE": unix.CAP_AUDIT_WRITE, "CAP_SETFCAP": unix.CAP_SETFCAP,
		"CAP_SYSLOG": unix.CAP_SYSLOG, "CAP_AUDIT_READ": unix.CAP_AUDIT_READ, "CAP_PERFMON": unix.CAP_PERFMON,
		"CAP_BPF": unix.CAP_BPF, "CAP_CHECKPOINT_RESTORE": unix.CAP_CHECKPOINT_RESTORE,
	}
	for name, n := range want {
		if got, ok := Number(name); !ok || got != n {
			t.Errorf("Number(%s) = %d, %v; want %d", name, got, ok, n)
		}
		if Name(n) != name {
			t.Errorf("Name(%d) = %s, want %s", n, Name(n), name)
		}
	}
	if Last != unix.CAP_LAST_CAP {
		t.Errorf("Last = %d, kernel headers say %d", Last, unix.CAP_LAST_CAP)
	}
	if _, ok := Number("cap_chown"); ok {
		t.Error("lower-case name accepted; the spec spells CAP_CHOWN")
	}
	if Name(63) != "CAP_63" {
		t.Errorf("Name(63) = %s", Name(63))
	}
}

func TestSet(t *testing.T) {
	s := Set(1<<0 | 1<<10 | 1<<40)
	if !reflect.DeepEqual(s.List(), []int{0, 10, 40}) {
		t.Errorf("List = %v", s.List())
	}
	if w := s.Words(); w != [2]uint32{1 | 1<<10, 1 << 8} {
		t.Errorf("Words = %#x", w)
	}
	if !s.Has(40) || s.Has(39) || s.Has(64) || s.Has(-1) {
		t.Error("Has")
	}
	if Upto(40) != 1<<41-1 || Upto(63) != ^Set(0) || Upto(0) != 1 {
		t.Errorf("Upto: %#x %#x %#x", Upto(40), Upto(63), Upto(0))
	}
}

func defaults() *specs.LinuxCapabilities {
	c := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	return &specs.LinuxCapabilities{Bounding: c, Effective: c, Permitted: c}
}

func TestPlanOfTheDefaultSpec(t *testing.T) {
	p, err := NewPlan(defaults(), 40)
	if err != nil {
		t.Fatal(err)
	}
	want := Set(1<<unix.CAP_AUDIT_WRITE | 1<<unix.CAP_KILL | 1<<unix.CAP_NET_BIND_SERVICE)
	if p.Bounding != want || p.Effective != want || p.Permitted != want || p.Inheritable != 0 || p.Ambient != 0 {
		t.Errorf("plan %+v", p)
	}
	drop := p.Drop()
	if drop.Has(unix.CAP_KILL) || !drop.Has(unix.CAP_SYS_ADMIN) || !drop.Has(40) || drop.Has(41) || len(drop.List()) != 38 {
		t.Errorf("drop %v", drop.Names())
	}
}

func TestCapabilitiesUnknownToTheKernelAreLeftOut(t *testing.T) {
	c := &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"}}
	p, err := NewPlan(c, 38) // a 5.8 kernel: CAP_PERFMON is its last
	if err != nil {
		t.Fatal(err)
	}
	if p.Bounding != 1<<unix.CAP_KILL || !reflect.DeepEqual(p.Unsupported, []string{"CAP_BPF", "CAP_CHECKPOINT_RESTORE"}) {
		t.Errorf("bounding %v, unsupported %v", p.Bounding.Names(), p.Unsupported)
	}
	if p.Drop().Has(39) || !p.Drop().Has(38) {
		t.Errorf("drop %v must stop at the kernel's last capability", p.Drop().Names())
	}
}

func TestNilCapabilitiesChangeNothing(t *testing.T) {
	p, err := NewPlan(nil, 40)
	if p != nil || err != nil {
		t.Fatalf("plan %v, err %v", p, err)
	}
	if err := Validate(nil); err != nil {
		t.Error(err)
	}
}

func TestBadCapabilitiesNameTheField(t *testing.T) {
	cases := map[string]struct {
		c    specs.LinuxCapabilities
		want string
		is   error
	}{
		"unknown": {specs.LinuxCapabilities{Bounding: []string{"CAP_KILL", "CAP_CHOWN", "CAP_BOGUS"}},
			`process.capabilities.bounding[2] "CAP_BOGUS": unknown capability (known: CAP_CHOWN ... CAP_CHECKPOINT_RESTORE)`, ErrUnknown},
		"lower case": {specs.LinuxCapabilities{Ambient: []string{"net_raw"}},
			`process.capabilities.ambient[0] "net_raw": unknown capability (known: CAP_CHOWN ... CAP_CHECKPOINT_RESTORE)`, ErrUnknown},
		"effective beyond permitted": {specs.LinuxCapabilities{Effective: []string{"CAP_KILL", "CAP_CHOWN"}, Permitted: []string{"CAP_KILL"}},
			`process.capabilities.effective[1] "CAP_CHOWN" is not in process.capabilities.permitted: invalid capabilities`, ErrInvalid},
		"inheritable beyond bounding": {specs.LinuxCapabilities{Inheritable: []string{"CAP_NET_RAW"}},
			`process.capabilities.inheritable[0] "CAP_NET_RAW" is not in process.capabilities.bounding: invalid capabilities`, ErrInvalid},
		"ambient not inheritable": {specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}, Permitted: []string{"CAP_KILL"}, Ambient: []string{"CAP_KILL"}},
			`process.capabilities.ambient[0] "CAP_KILL" must also be in permitted and inheritable: invalid capabilities`, ErrInvalid},
	}
	for name, tc := range cases {
		err := Validate(&tc.c)
		if err == nil || err.Error() != tc.want || !errors.Is(err, tc.is) {
			t.Errorf("%s:\n got %v\nwant %s", name, err, tc.want)
		}
	}
}
