package container

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/runtime/rootfs"
)

// withDefaultDeviceRules returns the config's device access rules followed
// by allow rules for what every container needs (the default device nodes,
// ptys) and for the nodes the config itself creates, as runc does: a
// config that starts with "deny all" still gets a working /dev/null.
// Without rules the cgroup keeps its parent's (no restriction). The cgroups
// package enforces the list: devices.deny/allow writes on cgroup v1, an
// eBPF device program attached to the container's cgroup on v2.
func withDefaultDeviceRules(l *specs.Linux) {
	if l == nil || l.Resources == nil || len(l.Resources.Devices) == 0 {
		return
	}
	allow := func(typ string, major, minor int64) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: true, Type: typ, Major: &major, Minor: &minor, Access: "rwm"}
	}
	rules := append([]specs.LinuxDeviceCgroup{}, l.Resources.Devices...)
	for _, d := range rootfs.DefaultDevices {
		rules = append(rules, allow("c", d.Major, d.Minor))
	}
	rules = append(rules, allow("c", 5, 2), allow("c", 136, -1)) // /dev/ptmx and /dev/pts/*
	for _, d := range l.Devices {
		typ := d.Type
		if typ == "u" {
			typ = "c"
		}
		if typ == "c" || typ == "b" {
			rules = append(rules, allow(typ, d.Major, d.Minor))
		}
	}
	l.Resources.Devices = rules
}
