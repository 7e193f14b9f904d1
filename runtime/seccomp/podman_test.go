package seccomp

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// podmanProfile is the profile format of Docker and podman (seccomp.json):
// OCI entries plus conditions on the architecture and capabilities, which
// the engine resolves into an OCI profile for each container.
type podmanProfile struct {
	DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet *uint                    `json:"defaultErrnoRet"`
	ArchMap         []struct {
		Arch specs.Arch   `json:"architecture"`
		Subs []specs.Arch `json:"subArchitectures"`
	} `json:"archMap"`
	Syscalls []struct {
		specs.LinuxSyscall
		Includes, Excludes struct{ Arches, Caps []string }
	} `json:"syscalls"`
}

// ociFor resolves the profile as the engine does for an amd64 container
// with the given capabilities.
func (pp *podmanProfile) ociFor(caps []string) *specs.LinuxSeccomp {
	p := &specs.LinuxSeccomp{DefaultAction: pp.DefaultAction, DefaultErrnoRet: pp.DefaultErrnoRet}
	for _, m := range pp.ArchMap {
		if m.Arch == specs.ArchX86_64 {
			p.Architectures = append([]specs.Arch{m.Arch}, m.Subs...)
		}
	}
	has := func(list []string, x string) bool { return slices.Contains(list, x) }
	for _, sc := range pp.Syscalls {
		in, ex := sc.Includes, sc.Excludes
		if len(in.Arches) > 0 && !has(in.Arches, "amd64") || has(ex.Arches, "amd64") {
			continue
		}
		if slices.ContainsFunc(in.Caps, func(c string) bool { return !has(caps, c) }) ||
			slices.ContainsFunc(ex.Caps, func(c string) bool { return has(caps, c) }) {
			continue
		}
		p.Syscalls = append(p.Syscalls, sc.LinuxSyscall)
	}
	return p
}

// TestPodmansProfile compiles the default profile of the podman installed
// on this machine, resolved for a container with runc's default
// capabilities, and checks every syscall it names against the reference.
func TestPodmansProfile(t *testing.T) {
	data, err := os.ReadFile("/usr/share/containers/seccomp.json")
	if err != nil {
		t.Skip("needs podman's /usr/share/containers/seccomp.json (apt-get install podman)")
	}
	var pp podmanProfile
	if err := json.Unmarshal(data, &pp); err != nil {
		t.Fatal(err)
	}
	p := pp.ociFor([]string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"})
	prog, v := compile(t, p)
	t.Logf("%d entries, %d instructions; ignored: %v", len(p.Syscalls), len(prog.Filter), prog.Ignored)
	for _, sc := range p.Syscalls {
		for _, name := range sc.Names {
			for _, arg := range []uint64{0, 0x10000000, 40, 0xffffffff, 1 << 40} {
				for _, c := range []call{x64(name, arg), i386(name, arg)} {
					if got, want := v.run(t, c), reference(p, c); got != want {
						t.Errorf("%s %+v: %#x, want %#x", name, c, got, want)
					}
				}
			}
		}
	}
}
