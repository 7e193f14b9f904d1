package rootfs

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestNewPlanDefaultDev(t *testing.T) {
	spec := &specs.Spec{
		Root: &specs.Root{Path: "rootfs", Readonly: true},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/data", Type: "bind", Source: "/srv/data", Options: []string{"rbind", "ro"}},
		},
		Linux: &specs.Linux{MaskedPaths: []string{"/proc/kcore"}, RootfsPropagation: "rslave"},
	}
	p, err := NewPlan(spec, "/b/rootfs")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Devices) != len(DefaultDevices) || len(p.Links) != len(DefaultLinks) {
		t.Errorf("a tmpfs /dev must get the default devices and links: %d devices, %d links", len(p.Devices), len(p.Links))
	}
	if !p.ReadOnlyRoot || p.Propagation != unix.MS_SLAVE|unix.MS_REC {
		t.Errorf("readonly root %v, propagation %#x", p.ReadOnlyRoot, p.Propagation)
	}
	bind := p.Mounts[2].Mount
	if !bind.Bind() || bind.Type != "" || bind.Flags&unix.MS_RDONLY == 0 {
		t.Errorf("bind mount planned as %+v", bind)
	}
	if p.Mounts[1].Mount.Data != "mode=755,size=65536k" {
		t.Errorf("tmpfs data = %q", p.Mounts[1].Mount.Data)
	}
}

func TestNewPlanBoundDevHasNoDefaults(t *testing.T) {
	spec := &specs.Spec{Mounts: []specs.Mount{{Destination: "/dev", Type: "bind", Source: "/dev", Options: []string{"rbind"}}}}
	p, err := NewPlan(spec, "/r")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Devices) != 0 {
		t.Errorf("a bind-mounted /dev must not be populated, got %d devices", len(p.Devices))
	}
}

func TestNewPlanRejects(t *testing.T) {
	for name, spec := range map[string]*specs.Spec{
		"relative destination": {Mounts: []specs.Mount{{Destination: "proc", Type: "proc"}}},
		"relative bind source": {Mounts: []specs.Mount{{Destination: "/x", Type: "bind", Source: "x"}}},
		"bad propagation":      {Linux: &specs.Linux{RootfsPropagation: "sideways"}},
		"bad device type":      {Linux: &specs.Linux{Devices: []specs.LinuxDevice{{Path: "/dev/x", Type: "z"}}}},
		"tmpcopyup on a bind":  {Mounts: []specs.Mount{{Destination: "/x", Type: "bind", Source: "/x", Options: []string{"tmpcopyup"}}}},
	} {
		_, err := NewPlan(spec, "/r")
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), "mounts[0]") && !strings.Contains(err.Error(), "linux.") {
			t.Errorf("%s: error %q does not name the field", name, err)
		}
	}
}
