package pod

import (
	"context"
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// EnvFieldPaths are the fieldRef paths skiff fills in.
var EnvFieldPaths = []string{"metadata.name", "metadata.namespace", "status.podIP"}

// Validate checks a parsed pod completely, before anything is created. It
// is pure: every problem is reported with its field path, e.g.
// `spec.containers[1].volumeMounts[0].name: not found: "cache"`.
func Validate(pod *corev1.Pod) error {
	var e errs
	if !dnsLabel.MatchString(pod.Name) || len(pod.Name) > 63 {
		e.add("metadata.name", "%q: want 1-63 lower-case letters, digits or '-', starting and ending with a letter or digit", pod.Name)
	}
	if ns := pod.Namespace; ns != "" && !dnsLabel.MatchString(ns) {
		e.add("metadata.namespace", "%q: want a DNS label", ns)
	}
	s := &pod.Spec
	vols := validateVolumes(s.Volumes, &e)
	if len(s.Containers) == 0 {
		e.add("spec.containers", "required: give at least one container")
	}
	names := map[string]string{}
	for i := range s.InitContainers {
		validateContainer(fmt.Sprintf("spec.initContainers[%d]", i), &s.InitContainers[i], true, s.HostNetwork, vols, names, &e)
	}
	for i := range s.Containers {
		validateContainer(fmt.Sprintf("spec.containers[%d]", i), &s.Containers[i], false, s.HostNetwork, vols, names, &e)
	}
	validatePorts(pod, &e)
	switch s.RestartPolicy {
	case "", corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		e.add("spec.restartPolicy", "%q: want Always, OnFailure or Never", s.RestartPolicy)
	}
	if g := s.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		e.add("spec.terminationGracePeriodSeconds", "%d: must not be negative", *g)
	}
	switch s.DNSPolicy {
	case "", corev1.DNSClusterFirst, corev1.DNSDefault, corev1.DNSClusterFirstWithHostNet:
	default:
		e.add("spec.dnsPolicy", "%q: want ClusterFirst, ClusterFirstWithHostNet or Default (all use the host's resolv.conf)", s.DNSPolicy)
	}
	if h := s.Hostname; h != "" && !dnsLabel.MatchString(h) {
		e.add("spec.hostname", "%q: want a DNS label", h)
	}
	return e.err()
}

func validateVolumes(vols []corev1.Volume, e *errs) map[string]bool {
	seen := map[string]bool{}
	for i, v := range vols {
		p := fmt.Sprintf("spec.volumes[%d]", i)
		if !dnsLabel.MatchString(v.Name) {
			e.add(p+".name", "%q: want a DNS label", v.Name)
		}
		if seen[v.Name] {
			e.add(p+".name", "duplicate: %q", v.Name)
		}
		seen[v.Name] = true
		switch {
		case v.EmptyDir != nil && v.HostPath != nil:
			e.add(p, "give one of emptyDir or hostPath, not both")
		case v.EmptyDir != nil:
			if m := v.EmptyDir.Medium; m != "" && m != corev1.StorageMediumMemory {
				e.add(p+".emptyDir.medium", "%q: want \"\" (disk) or Memory", m)
			}
			if l := v.EmptyDir.SizeLimit; l != nil && l.Sign() < 0 {
				e.add(p+".emptyDir.sizeLimit", "%s: must not be negative", l.String())
			}
		case v.HostPath != nil:
			validateHostPath(p+".hostPath", v.HostPath, e)
		default:
			e.add(p, "no volume source: skiff supports emptyDir and hostPath")
		}
	}
	return seen
}

func validateHostPath(p string, h *corev1.HostPathVolumeSource, e *errs) {
	if !path.IsAbs(h.Path) {
		e.add(p+".path", "%q: want an absolute path", h.Path)
	}
	if h.Type == nil {
		return
	}
	switch *h.Type {
	case corev1.HostPathUnset, corev1.HostPathDirectoryOrCreate, corev1.HostPathDirectory, corev1.HostPathFileOrCreate, corev1.HostPathFile:
	default:
		e.add(p+".type", "%q: want \"\", DirectoryOrCreate, Directory, FileOrCreate or File", *h.Type)
	}
}

func validateContainer(p string, c *corev1.Container, init, hostNet bool, vols map[string]bool, names map[string]string, e *errs) {
	if !dnsLabel.MatchString(c.Name) || len(c.Name) > 63 {
		e.add(p+".name", "%q: want a DNS label (lower-case letters, digits, '-')", c.Name)
	} else if first, dup := names[c.Name]; dup {
		e.add(p+".name", "duplicate: %q is also %s", c.Name, first)
	} else {
		names[c.Name] = p
	}
	if strings.TrimSpace(c.Image) == "" {
		e.add(p+".image", "required")
	}
	switch c.ImagePullPolicy {
	case "", corev1.PullIfNotPresent, corev1.PullNever:
	default:
		e.add(p+".imagePullPolicy", "%q: want IfNotPresent or Never (skiff pulls only missing images)", c.ImagePullPolicy)
	}
	if c.RestartPolicy != nil && (!init || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways) {
		e.add(p+".restartPolicy", "%q: only init containers may set it, to Always (a sidecar)", *c.RestartPolicy)
	}
	if c.WorkingDir != "" && !path.IsAbs(c.WorkingDir) {
		e.add(p+".workingDir", "%q: want an absolute path", c.WorkingDir)
	}
	validateEnv(p, c.Env, e)
	validateMounts(p, c.VolumeMounts, vols, e)
	validateResources(p+".resources", c.Resources, e)
	validateSecurity(p+".securityContext", c.SecurityContext, e)
}

func validateEnv(p string, env []corev1.EnvVar, e *errs) {
	for i, v := range env {
		q := fmt.Sprintf("%s.env[%d]", p, i)
		if v.Name == "" || strings.ContainsAny(v.Name, "=\x00") {
			e.add(q+".name", "%q: want a non-empty name without '='", v.Name)
		}
		if v.ValueFrom == nil {
			continue
		}
		if v.Value != "" {
			e.add(q, "give value or valueFrom, not both")
		}
		if v.ValueFrom.FieldRef == nil {
			e.add(q+".valueFrom", "want fieldRef")
			continue
		}
		fp := v.ValueFrom.FieldRef.FieldPath
		if !contains(EnvFieldPaths, fp) {
			e.add(q+".valueFrom.fieldRef.fieldPath", "%q: want one of %s", fp, strings.Join(EnvFieldPaths, ", "))
		}
	}
}

func validateMounts(p string, mounts []corev1.VolumeMount, vols map[string]bool, e *errs) {
	seen := map[string]bool{}
	for i, m := range mounts {
		q := fmt.Sprintf("%s.volumeMounts[%d]", p, i)
		if !vols[m.Name] {
			e.add(q+".name", "not found: %q", m.Name)
		}
		if !path.IsAbs(m.MountPath) {
			e.add(q+".mountPath", "%q: want an absolute path", m.MountPath)
		} else if seen[path.Clean(m.MountPath)] {
			e.add(q+".mountPath", "%q: mounted twice", m.MountPath)
		}
		seen[path.Clean(m.MountPath)] = true
		if sp := m.SubPath; sp != "" && (path.IsAbs(sp) || strings.HasPrefix(path.Clean(sp), "..")) {
			e.add(q+".subPath", "%q: want a relative path inside the volume", sp)
		}
	}
}

func validateResources(p string, r corev1.ResourceRequirements, e *errs) {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		lim, hasLim := r.Limits[name]
		req, hasReq := r.Requests[name]
		if hasLim && lim.Sign() <= 0 {
			e.add(fmt.Sprintf("%s.limits.%s", p, name), "%s: must be positive", lim.String())
		}
		if hasReq && req.Sign() < 0 {
			e.add(fmt.Sprintf("%s.requests.%s", p, name), "%s: must not be negative", req.String())
		}
		if hasLim && hasReq && req.Cmp(lim) > 0 {
			e.add(fmt.Sprintf("%s.requests.%s", p, name), "%s: must not exceed the limit %s", req.String(), lim.String())
		}
	}
	if m, ok := r.Limits[corev1.ResourceMemory]; ok && m.Cmp(resource.MustParse("4Mi")) < 0 {
		e.add(p+".limits.memory", "%s: too small for a process; give at least 4Mi", m.String())
	}
}

func validateSecurity(p string, sc *corev1.SecurityContext, e *errs) {
	if sc == nil || sc.Capabilities == nil {
		return
	}
	for i, c := range sc.Capabilities.Add {
		if _, ok := capName(string(c)); !ok {
			e.add(fmt.Sprintf("%s.capabilities.add[%d]", p, i), "%q: unknown capability", c)
		}
	}
	for i, c := range sc.Capabilities.Drop {
		if _, ok := capName(string(c)); !ok && string(c) != "ALL" {
			e.add(fmt.Sprintf("%s.capabilities.drop[%d]", p, i), "%q: unknown capability (or ALL)", c)
		}
	}
}

// validatePorts refuses a host port published twice, and host ports that
// differ from the container port with hostNetwork (as Kubernetes does).
func validatePorts(pod *corev1.Pod, e *errs) {
	seen := map[string]string{}
	for i, c := range pod.Spec.Containers {
		for j, port := range c.Ports {
			q := fmt.Sprintf("spec.containers[%d].ports[%d]", i, j)
			if port.ContainerPort < 1 || port.ContainerPort > 65535 {
				e.add(q+".containerPort", "%d: want 1-65535", port.ContainerPort)
			}
			if port.HostPort < 0 || port.HostPort > 65535 {
				e.add(q+".hostPort", "%d: want 0-65535", port.HostPort)
			}
			if port.Protocol != "" && port.Protocol != corev1.ProtocolTCP && port.Protocol != corev1.ProtocolUDP {
				e.add(q+".protocol", "%q: want TCP or UDP", port.Protocol)
			}
			if pod.Spec.HostNetwork && port.HostPort != 0 && port.HostPort != port.ContainerPort {
				e.add(q+".hostPort", "%d: with hostNetwork it must equal containerPort %d", port.HostPort, port.ContainerPort)
			}
			if _, err := parseAddr(port.HostIP); err != nil {
				e.add(q+".hostIP", "%v", err)
			}
			if port.HostPort == 0 {
				continue
			}
			key := fmt.Sprintf("%s/%d/%s", port.HostIP, port.HostPort, protocolOf(port))
			if first, dup := seen[key]; dup {
				e.add(q+".hostPort", "%d/%s is already published by %s", port.HostPort, protocolOf(port), first)
			}
			seen[key] = q
		}
	}
	for i, c := range pod.Spec.InitContainers {
		for j, port := range c.Ports {
			if port.HostPort != 0 {
				e.add(fmt.Sprintf("spec.initContainers[%d].ports[%d].hostPort", i, j), "publish ports from app containers only")
			}
		}
	}
}

func protocolOf(p corev1.ContainerPort) string {
	if p.Protocol == corev1.ProtocolUDP {
		return "udp"
	}
	return "tcp"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseAddr reads a hostIP ("" and 0.0.0.0 mean every address).
func parseAddr(s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%q: want an IPv4 address", s)
	}
	if a.IsUnspecified() {
		return netip.Addr{}, nil
	}
	return a, nil
}

// ImageFinder makes an image available locally (from the store, the
// host's busybox or a registry); never is set for imagePullPolicy Never.
type ImageFinder func(ctx context.Context, image string, never bool) error

// CheckImages makes sure every image of the pod can be found, before
// anything of the pod is created; errors name the field.
func CheckImages(ctx context.Context, pod *corev1.Pod, find ImageFinder) error {
	var e errs
	check := func(field string, cs []corev1.Container) {
		for i, c := range cs {
			if err := find(ctx, c.Image, c.ImagePullPolicy == corev1.PullNever); err != nil {
				e.add(fmt.Sprintf("spec.%s[%d].image", field, i), "%q: %v", c.Image, err)
			}
		}
	}
	check("initContainers", pod.Spec.InitContainers)
	check("containers", pod.Spec.Containers)
	return e.err()
}
