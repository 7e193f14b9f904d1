package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/runtime/seccomp"
)

// DefaultCapabilities is the capability set of `runc spec`: enough to run
// a shell, nothing that reaches past the container.
var DefaultCapabilities = []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}

// DefaultMaskedPaths hide host information that /proc and /sys expose.
var DefaultMaskedPaths = []string{
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
	"/proc/scsi", "/sys/devices/virtual/powercap",
}

// DefaultReadonlyPaths are kernel interfaces a container may read, not write.
var DefaultReadonlyPaths = []string{
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
}

// DefaultMounts are the standard container mounts: /proc, a tmpfs /dev with
// its pts and shm and mqueue, a read-only /sys and the cgroup tree.
func DefaultMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
	}
}

// DefaultNamespaces are the namespaces a container gets: everything but the
// user namespace (which needs id mappings) and time.
func DefaultNamespaces() []specs.LinuxNamespace {
	return []specs.LinuxNamespace{
		{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
		{Type: specs.UTSNamespace}, {Type: specs.MountNamespace}, {Type: specs.CgroupNamespace},
	}
}

// Default returns the configuration `skiff spec` writes: the same shape as
// `runc spec` (a terminal running sh, rootfs "rootfs" read-only), with
// hostname "skiff".
func Default() *specs.Spec {
	caps := append([]string(nil), DefaultCapabilities...)
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Terminal: true,
			User:     specs.User{UID: 0, GID: 0},
			Args:     []string{"sh"},
			Env:      []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"},
			Cwd:      "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
			},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "skiff",
		Mounts:   DefaultMounts(),
		Linux: &specs.Linux{
			// Deny every device; the runtime adds the nodes every container
			// needs (/dev/null, ptys, ...), as runc does.
			Resources:     &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}},
			Namespaces:    DefaultNamespaces(),
			MaskedPaths:   DefaultMaskedPaths,
			ReadonlyPaths: DefaultReadonlyPaths,
		},
	}
}

// RunOptions are what `skiff run --rootfs` turns into a config.
type RunOptions struct {
	Rootfs   string
	Args     []string
	Env      []string // added to the default PATH and TERM
	Cwd      string
	Hostname string
	Terminal bool
	ReadOnly bool
}

// ForRun builds a config in memory for a quick container on a rootfs, with
// the Docker/podman secure defaults: the default capabilities, masked and
// read-only paths, no_new_privs and the default seccomp profile.
func ForRun(o RunOptions) *specs.Spec {
	s := Default()
	s.Root = &specs.Root{Path: o.Rootfs, Readonly: o.ReadOnly}
	s.Process.Args = o.Args
	s.Process.Terminal = o.Terminal
	s.Process.Env = append(s.Process.Env, o.Env...)
	if o.Cwd != "" {
		s.Process.Cwd = o.Cwd
	}
	if o.Hostname != "" {
		s.Hostname = o.Hostname
	}
	if !o.Terminal {
		s.Process.Env = withoutTerm(s.Process.Env)
	}
	s.Linux.Seccomp = seccomp.DefaultFor(s.Process.Capabilities.Bounding)
	return s
}

func withoutTerm(env []string) []string {
	out := env[:0]
	for _, kv := range env {
		if kv != "TERM=xterm" {
			out = append(out, kv)
		}
	}
	return out
}
