package engine

import (
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/netns/network"
	"github.com/skiffrun/skiff/runtime/seccomp"
	"github.com/skiffrun/skiff/runtime/spec"
)

// specInput is everything buildSpec needs, gathered by the run steps.
type specInput struct {
	ID        string
	Config    RunConfig
	Process   *specs.Process // from the image config, or from the flags on a rootfs
	Rootfs    string
	FilesDir  string // hosts, hostname, resolv.conf written by the network
	Placement network.Placement
	Volumes   []Volume
	Resources *specs.LinuxResources
}

// buildSpec is the OCI config of a Docker-style container: the runtime's
// defaults (capabilities, masked paths, namespaces), the image's process,
// the network's files bind-mounted over /etc, the volumes, the limits.
func buildSpec(in specInput) *specs.Spec {
	s := spec.Default()
	p := in.Process
	p.Terminal = in.Config.TTY
	p.Capabilities, p.Rlimits, p.NoNewPrivileges = s.Process.Capabilities, s.Process.Rlimits, true
	if p.Terminal {
		p.Env = append(p.Env, "TERM=xterm")
	}
	s.Process = p
	s.Root = &specs.Root{Path: in.Rootfs, Readonly: in.Config.ReadOnly}
	s.Hostname = hostname(in)
	s.Mounts = append(s.Mounts, fileMounts(in.FilesDir)...)
	for _, v := range in.Volumes {
		s.Mounts = append(s.Mounts, v.Mount())
	}
	s.Linux.Namespaces = namespaces(in.Placement)
	if in.Resources != nil {
		r := *in.Resources
		r.Devices = s.Linux.Resources.Devices // keep the default "deny all but the basics"
		s.Linux.Resources = &r
	}
	s.Linux.Seccomp = seccomp.DefaultFor(p.Capabilities.Bounding)
	s.Annotations = annotations(in)
	return s
}

func hostname(in specInput) string {
	if in.Config.Hostname != "" {
		return in.Config.Hostname
	}
	return in.ID[:min(12, len(in.ID))]
}

// fileMounts binds the network's generated files over the image's.
func fileMounts(dir string) []specs.Mount {
	var out []specs.Mount
	for _, name := range []string{"hosts", "hostname", "resolv.conf"} {
		out = append(out, specs.Mount{Destination: "/etc/" + name, Type: "bind",
			Source: filepath.Join(dir, name), Options: []string{"rbind", "rprivate"}})
	}
	return out
}

// namespaces follows the network placement: a new network namespace, the
// host's (none listed), or another container's joined by path.
func namespaces(pl network.Placement) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, ns := range spec.DefaultNamespaces() {
		if ns.Type == specs.NetworkNamespace {
			switch {
			case pl.JoinPath != "":
				ns.Path = pl.JoinPath
			case !pl.NewNetns:
				continue
			}
		}
		out = append(out, ns)
	}
	return out
}

func annotations(in specInput) map[string]string {
	a := map[string]string{
		AnnImage:   in.Config.Image,
		AnnCommand: strings.Join(in.Process.Args, " "),
		AnnPorts:   strings.Join(in.Config.Ports, ","),
		AnnNetwork: in.Config.Network,
	}
	if in.Config.Image == "" {
		a[AnnImage] = in.Config.Rootfs
	}
	if in.Config.Remove {
		a[AnnRemove] = "true"
	}
	return a
}
