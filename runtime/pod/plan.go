package pod

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"

	"github.com/skiffrun/skiff/runtime/spec"
)

// DefaultCapabilities are what a pod container gets unless its security
// context adds or drops: the set Docker, containerd and CRI-O give.
var DefaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// allCapabilities is every capability of Linux 6.x, for privileged.
var allCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// capName turns "NET_ADMIN" or "CAP_NET_ADMIN" into "CAP_NET_ADMIN".
func capName(c string) (string, bool) {
	name := "CAP_" + strings.TrimPrefix(strings.ToUpper(c), "CAP_")
	return name, contains(allCapabilities, name)
}

// ContainerPlan is everything a container's OCI spec is computed from.
type ContainerPlan struct {
	Pod       *corev1.Pod
	Container *corev1.Container
	Process   *specs.Process    // from the image config and the manifest (image/process)
	Rootfs    string            // the container's prepared rootfs
	PausePid  int               // the sandbox's pause process
	FilesDir  string            // hosts, hostname, resolv.conf of the pod ("" = none)
	Volumes   map[string]string // volume name -> host directory or file
}

// Spec builds the container's OCI spec. It is pure.
func Spec(p ContainerPlan) (*specs.Spec, error) {
	s := spec.Default()
	s.Hostname = "" // the pod's UTS namespace is the pause process's
	s.Root = &specs.Root{Path: p.Rootfs}
	s.Process = p.Process
	s.Process.Terminal = false
	s.Process.Rlimits = spec.Default().Process.Rlimits
	s.Linux.Namespaces = namespaces(p)
	s.Mounts = append(s.Mounts, filesMounts(p.FilesDir)...)
	vm, err := volumeMounts(p)
	if err != nil {
		return nil, err
	}
	s.Mounts = append(s.Mounts, vm...)
	s.Linux.Resources = Resources(p.Container.Resources)
	applySecurity(s, p.Pod, p.Container)
	return s, nil
}

// namespaces: join the sandbox's network, IPC and UTS (and PID when the
// pod shares it); own mount, cgroup and (otherwise) PID namespaces.
func namespaces(p ContainerPlan) []specs.LinuxNamespace {
	ns := func(t specs.LinuxNamespaceType, name string) specs.LinuxNamespace {
		return specs.LinuxNamespace{Type: t, Path: fmt.Sprintf("/proc/%d/ns/%s", p.PausePid, name)}
	}
	out := []specs.LinuxNamespace{
		{Type: specs.MountNamespace}, {Type: specs.CgroupNamespace},
		ns(specs.NetworkNamespace, "net"), ns(specs.IPCNamespace, "ipc"), ns(specs.UTSNamespace, "uts"),
	}
	if shares(p.Pod.Spec.ShareProcessNamespace) {
		return append(out, ns(specs.PIDNamespace, "pid"))
	}
	return append(out, specs.LinuxNamespace{Type: specs.PIDNamespace})
}

func shares(b *bool) bool { return b != nil && *b }

func filesMounts(dir string) []specs.Mount {
	if dir == "" {
		return nil
	}
	var out []specs.Mount
	for _, f := range []string{"hosts", "hostname", "resolv.conf"} {
		out = append(out, specs.Mount{Destination: "/etc/" + f, Type: "bind", Source: filepath.Join(dir, f), Options: []string{"rbind", "rprivate"}})
	}
	return out
}

func volumeMounts(p ContainerPlan) ([]specs.Mount, error) {
	var out []specs.Mount
	for i, m := range p.Container.VolumeMounts {
		src, ok := p.Volumes[m.Name]
		if !ok {
			return nil, fmt.Errorf("%s.volumeMounts[%d].name: not found: %q", p.Container.Name, i, m.Name)
		}
		if m.SubPath != "" {
			src = filepath.Join(src, filepath.Clean(m.SubPath))
		}
		opts := []string{"rbind", "rprivate"}
		if m.ReadOnly {
			opts = append(opts, "ro")
		}
		out = append(out, specs.Mount{Destination: m.MountPath, Type: "bind", Source: src, Options: opts})
	}
	return out, nil
}

// Resources maps requests and limits to cgroup settings as the kubelet
// does: limits.cpu -> CFS quota over a 100 ms period, limits.memory -> the
// memory limit, requests.cpu (or the limit when no request) -> shares.
func Resources(r corev1.ResourceRequirements) *specs.LinuxResources {
	out := &specs.LinuxResources{}
	if m, ok := r.Limits[corev1.ResourceMemory]; ok {
		v := m.Value()
		out.Memory = &specs.LinuxMemory{Limit: &v}
	}
	cpuReq, hasReq := r.Requests[corev1.ResourceCPU]
	if lim, ok := r.Limits[corev1.ResourceCPU]; ok {
		period := uint64(100000)
		quota := max(lim.MilliValue()*int64(period)/1000, 1000)
		out.CPU = &specs.LinuxCPU{Quota: &quota, Period: &period}
		if !hasReq {
			cpuReq, hasReq = lim, true
		}
	}
	if hasReq {
		shares := uint64(max(cpuReq.MilliValue()*1024/1000, 2))
		if out.CPU == nil {
			out.CPU = &specs.LinuxCPU{}
		}
		out.CPU.Shares = &shares
	}
	return out
}

// applySecurity sets user, capabilities, read-only root and privileged.
func applySecurity(s *specs.Spec, pod *corev1.Pod, c *corev1.Container) {
	caps := append([]string(nil), DefaultCapabilities...)
	sc := c.SecurityContext
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	if sc.Capabilities != nil {
		caps = adjustCaps(caps, sc.Capabilities)
	}
	s.Process.NoNewPrivileges = sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation
	if shares(sc.Privileged) {
		caps = append([]string(nil), allCapabilities...)
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
		for i := range s.Mounts {
			if s.Mounts[i].Destination == "/sys" || s.Mounts[i].Destination == "/sys/fs/cgroup" {
				s.Mounts[i].Options = without(s.Mounts[i].Options, "ro")
			}
		}
	}
	s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	s.Root.Readonly = sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
}

func adjustCaps(caps []string, c *corev1.Capabilities) []string {
	for _, d := range c.Drop {
		if string(d) == "ALL" {
			caps = nil
			continue
		}
		name, _ := capName(string(d))
		caps = without(caps, name)
	}
	for _, a := range c.Add {
		if name, _ := capName(string(a)); !contains(caps, name) {
			caps = append(caps, name)
		}
	}
	return caps
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// UserOf returns the user[:group] the container runs as ("" = the
// image's): the container's security context over the pod's.
func UserOf(pod *corev1.Pod, c *corev1.Container) string {
	var uid, gid *int64
	if psc := pod.Spec.SecurityContext; psc != nil {
		uid, gid = psc.RunAsUser, psc.RunAsGroup
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
	}
	switch {
	case uid == nil && gid == nil:
		return ""
	case uid == nil:
		return "0:" + strconv.FormatInt(*gid, 10) // Kubernetes: root with that group unless the image says
	case gid == nil:
		return strconv.FormatInt(*uid, 10)
	}
	return strconv.FormatInt(*uid, 10) + ":" + strconv.FormatInt(*gid, 10)
}

// Env resolves a container's env entries: plain values with $(VAR)
// references to earlier entries expanded, fieldRefs from the pod.
func Env(pod *corev1.Pod, c *corev1.Container, podIP string) []string {
	vals := map[string]string{}
	var out []string
	for _, e := range c.Env {
		v := expand(e.Value, vals)
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			v = fieldValue(pod, e.ValueFrom.FieldRef.FieldPath, podIP)
		}
		vals[e.Name] = v
		out = append(out, e.Name+"="+v)
	}
	return out
}

func fieldValue(pod *corev1.Pod, fieldPath, podIP string) string {
	switch fieldPath {
	case "metadata.name":
		return pod.Name
	case "metadata.namespace":
		return namespaceOf(pod)
	case "status.podIP":
		return podIP
	}
	return ""
}

func namespaceOf(pod *corev1.Pod) string {
	if pod.Namespace == "" {
		return "default"
	}
	return pod.Namespace
}

// expand replaces $(NAME) with earlier values, "$$(" escapes, as
// Kubernetes does; unknown references stay as written.
func expand(s string, vals map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		end := strings.IndexByte(s[i:], ')')
		if s[i+1] != '(' || end < 0 {
			b.WriteByte(s[i])
			continue
		}
		name := s[i+2 : i+end]
		if v, ok := vals[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+end+1])
		}
		i += end
	}
	return b.String()
}
