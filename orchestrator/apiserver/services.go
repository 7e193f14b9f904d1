package apiserver

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// allocator hands out Service ClusterIPs and NodePorts. It keeps no state
// of its own: the services in the store are the record of what is used,
// and mu serialises allocations within this server.
type allocator struct {
	mu               sync.Mutex
	network          *net.IPNet
	first, size      uint32
	portMin, portMax int
}

func newAllocator(cidr string, portMin, portMax int) (*allocator, error) {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil || n.IP.To4() == nil {
		return nil, fmt.Errorf("service cidr %q: must be an IPv4 CIDR like 10.96.0.0/12", cidr)
	}
	ones, bits := n.Mask.Size()
	if bits-ones < 2 || portMin <= 0 || portMax < portMin || portMax > 65535 {
		return nil, fmt.Errorf("service ranges %s, ports %d-%d: too small or invalid", cidr, portMin, portMax)
	}
	return &allocator{network: n, first: binary.BigEndian.Uint32(n.IP.To4()), size: 1 << (bits - ones),
		portMin: portMin, portMax: portMax}, nil
}

func (a *allocator) ip(i uint32) string {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, a.first+i)
	return net.IP(b).String()
}

// used collects the ClusterIPs and NodePorts of every stored service
// except the one being written.
func (s *Server) usedServiceAddrs(ctx context.Context, skipUID string) (map[string]bool, map[int32]bool, error) {
	ips, ports := map[string]bool{}, map[int32]bool{}
	list, err := s.listObjects(ctx, lookup("", "v1", "services"), "", listQuery{sel: everything()})
	if err != nil {
		return nil, nil, err
	}
	for _, o := range items(list) {
		svc := o.(*corev1.Service)
		if string(svc.UID) == skipUID {
			continue
		}
		ips[svc.Spec.ClusterIP] = true
		for _, p := range svc.Spec.Ports {
			ports[p.NodePort] = true
		}
	}
	return ips, ports, nil
}

// allocateService gives a service its ClusterIP and NodePorts, keeping
// the ones it already has (old) and checking requested ones.
func (s *Server) allocateService(ctx context.Context, obj, old runtime.Object, dryRun bool) error {
	svc := obj.(*corev1.Service)
	ips, ports, err := s.usedServiceAddrs(ctx, string(svc.UID))
	if err != nil {
		return err
	}
	var errs field.ErrorList
	if svc.Spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, s.alloc.assignIP(svc, ips)...)
	} else {
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
	}
	if svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
		errs = append(errs, s.alloc.assignPorts(svc, ports)...)
	} else {
		for i := range svc.Spec.Ports {
			svc.Spec.Ports[i].NodePort = 0
		}
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(svc.GroupVersionKind().GroupKind(), svc.Name, errs)
	}
	return nil
}

func (a *allocator) assignIP(svc *corev1.Service, used map[string]bool) field.ErrorList {
	path := field.NewPath("spec", "clusterIP")
	switch ip := svc.Spec.ClusterIP; {
	case ip == corev1.ClusterIPNone:
	case ip == "":
		for i := uint32(1); i < a.size-1; i++ {
			if c := a.ip(i); !used[c] {
				svc.Spec.ClusterIP = c
				break
			}
		}
		if svc.Spec.ClusterIP == "" {
			return field.ErrorList{field.InternalError(path, fmt.Errorf("range %s is full", a.network))}
		}
	case net.ParseIP(ip) == nil || !a.network.Contains(net.ParseIP(ip)):
		return field.ErrorList{field.Invalid(path, ip, fmt.Sprintf("must be an address in the service range %s", a.network))}
	case used[ip]:
		return field.ErrorList{field.Invalid(path, ip, "provided IP is already allocated")}
	}
	svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
	if svc.Spec.ClusterIP != corev1.ClusterIPNone {
		svc.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
	if svc.Spec.IPFamilyPolicy == nil {
		svc.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicySingleStack)
	}
	return nil
}

func (a *allocator) assignPorts(svc *corev1.Service, used map[int32]bool) field.ErrorList {
	var errs field.ErrorList
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
		switch {
		case p.NodePort == 0:
			for n := a.portMin; n <= a.portMax; n++ {
				if !used[int32(n)] {
					p.NodePort = int32(n)
					break
				}
			}
			if p.NodePort == 0 {
				errs = append(errs, field.InternalError(path, fmt.Errorf("node ports %d-%d are all in use", a.portMin, a.portMax)))
			}
		case int(p.NodePort) < a.portMin || int(p.NodePort) > a.portMax:
			errs = append(errs, field.Invalid(path, p.NodePort, fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", a.portMin, a.portMax)))
		case used[p.NodePort]:
			errs = append(errs, field.Invalid(path, p.NodePort, "provided port is already allocated"))
		}
		used[p.NodePort] = true
	}
	return errs
}

// keepServiceAllocations copies the ClusterIP and NodePorts an update
// leaves out (kubectl apply and replace usually do) from the stored service.
func keepServiceAllocations(o, old runtime.Object) {
	s, os := o.(*corev1.Service), old.(*corev1.Service)
	if s.Spec.ClusterIP == "" && s.Spec.Type != corev1.ServiceTypeExternalName {
		s.Spec.ClusterIP, s.Spec.ClusterIPs = os.Spec.ClusterIP, os.Spec.ClusterIPs
	}
	for i := range s.Spec.Ports {
		if s.Spec.Ports[i].NodePort != 0 {
			continue
		}
		for _, op := range os.Spec.Ports {
			if op.Port == s.Spec.Ports[i].Port && op.Protocol == s.Spec.Ports[i].Protocol {
				s.Spec.Ports[i].NodePort = op.NodePort
			}
		}
	}
}
