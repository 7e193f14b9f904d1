package rootfs

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/runtime/mount"
)

// Plan is everything the container init does to its filesystem view.
type Plan struct {
	Rootfs       string       // absolute host path of the root filesystem
	Propagation  uintptr      // applied to / before anything else
	Mounts       []MountEntry // in config order
	Devices      []Device     // created after the mounts (so they land on /dev's tmpfs)
	Links        []Link       // /dev/fd, /dev/stdin, ...
	Masked       []string     // paths hidden after pivot_root
	ReadOnly     []string     // paths made read-only after pivot_root
	ReadOnlyRoot bool
	NoPivot      bool // use MS_MOVE + chroot instead of pivot_root
	// HostMounts is set when the container has no mount namespace of its
	// own: it shares the runtime's, so nothing may be mounted or pivoted
	// (that would change the host); the init only chroots into the rootfs.
	HostMounts bool
}

// MountEntry is one config mount with its destination inside the rootfs.
type MountEntry struct {
	Dest  string // absolute path inside the container
	Mount mount.Mount
	// Cgroup marks a "cgroup" mount, which is expanded at apply time into
	// the host's layout (one cgroup2, or a tmpfs of v1 hierarchies).
	Cgroup bool
	// SourceFd, when not 0, is the init's descriptor of a detached copy of
	// a bind source that the runtime made on the host (open_tree): in a
	// user namespace the init's root is an unprivileged uid outside, which
	// may not reach the source's directory (podman's run root is 0700).
	// Prepare attaches it with move_mount and closes it.
	SourceFd int
}

// Device is a node to create under the rootfs.
type Device struct {
	Path         string // inside the container
	Type         uint32 // unix.S_IFCHR, S_IFBLK or S_IFIFO
	Major, Minor int64
	Mode         os.FileMode
	UID, GID     uint32
}

// Link is a symlink to create under the rootfs.
type Link struct{ Path, Target string }

// DefaultDevices are the nodes every container gets (the OCI runtime spec's
// list): null, zero, full, random, urandom, tty.
var DefaultDevices = []Device{
	{Path: "/dev/null", Type: unix.S_IFCHR, Major: 1, Minor: 3, Mode: 0o666},
	{Path: "/dev/zero", Type: unix.S_IFCHR, Major: 1, Minor: 5, Mode: 0o666},
	{Path: "/dev/full", Type: unix.S_IFCHR, Major: 1, Minor: 7, Mode: 0o666},
	{Path: "/dev/random", Type: unix.S_IFCHR, Major: 1, Minor: 8, Mode: 0o666},
	{Path: "/dev/urandom", Type: unix.S_IFCHR, Major: 1, Minor: 9, Mode: 0o666},
	{Path: "/dev/tty", Type: unix.S_IFCHR, Major: 5, Minor: 0, Mode: 0o666},
}

// DefaultLinks are the /dev symlinks programs expect.
var DefaultLinks = []Link{
	{"/dev/fd", "/proc/self/fd"},
	{"/dev/stdin", "/proc/self/fd/0"},
	{"/dev/stdout", "/proc/self/fd/1"},
	{"/dev/stderr", "/proc/self/fd/2"},
	{"/dev/ptmx", "pts/ptmx"},
	{"/dev/core", "/proc/kcore"},
}

// NewPlan turns a validated config into a Plan. rootfs is the absolute host
// path of root.path (the bundle directory when root.path is ".").
func NewPlan(spec *specs.Spec, rootfs string) (Plan, error) {
	p := Plan{Rootfs: rootfs, Propagation: unix.MS_PRIVATE | unix.MS_REC}
	if spec.Root != nil {
		p.ReadOnlyRoot = spec.Root.Readonly
	}
	if err := p.addLinux(spec.Linux); err != nil {
		return Plan{}, err
	}
	for i, m := range spec.Mounts {
		e, err := newMountEntry(i, m)
		if err != nil {
			return Plan{}, err
		}
		p.Mounts = append(p.Mounts, e)
	}
	if p.needsDefaultDev() {
		p.Devices = append(append([]Device{}, DefaultDevices...), p.Devices...)
		p.Links = DefaultLinks
	}
	return p, nil
}

func (p *Plan) addLinux(l *specs.Linux) error {
	if l == nil {
		return nil
	}
	if l.RootfsPropagation != "" {
		prop, err := mount.ParsePropagation(l.RootfsPropagation)
		if err != nil {
			return fmt.Errorf("linux.rootfsPropagation: %w", err)
		}
		p.Propagation = prop
	}
	p.Masked, p.ReadOnly = l.MaskedPaths, l.ReadonlyPaths
	for i, d := range l.Devices {
		dev, err := device(i, d)
		if err != nil {
			return err
		}
		p.Devices = append(p.Devices, dev)
	}
	return nil
}

func newMountEntry(i int, m specs.Mount) (MountEntry, error) {
	if !path.IsAbs(m.Destination) {
		return MountEntry{}, fmt.Errorf("mounts[%d].destination %q: must be an absolute path", i, m.Destination)
	}
	opts := mount.Parse(m.Options)
	if m.Type == "bind" {
		opts.Flags |= unix.MS_BIND
	}
	src := m.Source
	if opts.Bind() && src != "" && !filepath.IsAbs(src) {
		return MountEntry{}, fmt.Errorf("mounts[%d].source %q: a bind source must be an absolute path (made absolute from the bundle when loading)", i, src)
	}
	typ := m.Type
	if typ == "bind" || opts.Bind() {
		typ = ""
	}
	if opts.CopyUp && typ != "tmpfs" {
		return MountEntry{}, fmt.Errorf("mounts[%d].options: tmpcopyup applies to type tmpfs only, not %q", i, m.Type)
	}
	return MountEntry{
		Dest:   path.Clean(m.Destination),
		Mount:  mount.Mount{Source: src, Type: typ, Options: opts},
		Cgroup: m.Type == "cgroup" || m.Type == "cgroup2",
	}, nil
}

func device(i int, d specs.LinuxDevice) (Device, error) {
	types := map[string]uint32{"c": unix.S_IFCHR, "u": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO}
	t, ok := types[d.Type]
	if !ok {
		return Device{}, fmt.Errorf("linux.devices[%d].type %q: must be c, u, b or p", i, d.Type)
	}
	if !path.IsAbs(d.Path) {
		return Device{}, fmt.Errorf("linux.devices[%d].path %q: must be an absolute path", i, d.Path)
	}
	dev := Device{Path: path.Clean(d.Path), Type: t, Major: d.Major, Minor: d.Minor, Mode: 0o666}
	if d.FileMode != nil {
		dev.Mode = *d.FileMode
	}
	if d.UID != nil {
		dev.UID = *d.UID
	}
	if d.GID != nil {
		dev.GID = *d.GID
	}
	return dev, nil
}

// needsDefaultDev reports whether /dev is a fresh filesystem that this
// runtime must populate: true when the config mounts something other than
// a bind mount on /dev.
func (p *Plan) needsDefaultDev() bool {
	for _, m := range p.Mounts {
		if m.Dest == "/dev" {
			return !m.Mount.Bind()
		}
	}
	return false
}
