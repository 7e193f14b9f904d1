package apiserver

import (
	"context"
	"net"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The "kubernetes" service in the default namespace is how pods reach the
// API server: the first ClusterIP of the range, port 443, with endpoints
// pointing at the server's advertised address. The server keeps them in
// place at every start.

func (s *Server) reconcileKubernetesService(ctx context.Context) error {
	ip, port := s.cfg.AdvertiseAddress, s.cfg.AdvertisePort
	if net.ParseIP(ip) == nil || port == 0 {
		return nil
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
		Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{ClusterIP: s.alloc.ip(1), Ports: []corev1.ServicePort{{Name: "https", Port: 443,
			Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(int32(port))}}}}
	if err := s.ensure(ctx, lookup("", "v1", "services"), svc, false); err != nil {
		return err
	}
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: ip}},
			Ports: []corev1.EndpointPort{{Name: "https", Port: int32(port), Protocol: corev1.ProtocolTCP}}}}}
	if err := s.ensure(ctx, lookup("", "v1", "endpoints"), ep, true); err != nil {
		return err
	}
	return s.ensure(ctx, lookup("discovery.k8s.io", "v1", "endpointslices"), kubernetesSlice(ip, port), true)
}

func kubernetesSlice(ip string, port int) *discoveryv1.EndpointSlice {
	name, proto, ready := "https", corev1.ProtocolTCP, true
	p := int32(port)
	return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
		Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes", discoveryv1.LabelManagedBy: "skiff-apiserver"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &p, Protocol: &proto}}}
}

// ensure creates obj, or (replace) overwrites an existing one with it.
func (s *Server) ensure(ctx context.Context, res *resource, obj runtime.Object, replace bool) error {
	m := metaOf(obj)
	_, err := s.getObject(ctx, res, m.GetNamespace(), m.GetName())
	switch {
	case apierrors.IsNotFound(err):
		_, err = s.createObject(ctx, res, obj.DeepCopyObject(), writeOptions{})
		return err
	case err != nil || !replace:
		return err
	}
	_, err = s.updateObject(ctx, res, m.GetNamespace(), m.GetName(), "", writeOptions{}, func(runtime.Object) (runtime.Object, error) {
		return obj.DeepCopyObject(), nil
	})
	return err
}
