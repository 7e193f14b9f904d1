package printers

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func registerNetwork() {
	svcSpec := corev1.ServiceSpec{}.SwaggerDoc()
	register(columns(nameColumn,
		col("Type", "string", svcSpec["type"]),
		col("Cluster-IP", "string", svcSpec["clusterIP"]),
		col("External-IP", "string", svcSpec["externalIPs"]),
		col("Port(s)", "string", svcSpec["ports"]),
		ageColumn,
		wide("Selector", "string", svcSpec["selector"]),
	), serviceCells)

	register(columns(nameColumn,
		col("Endpoints", "string", corev1.Endpoints{}.SwaggerDoc()["subsets"]),
		ageColumn), endpointsCells)

	sliceDoc := discoveryv1.EndpointSlice{}.SwaggerDoc()
	register(columns(nameColumn,
		col("AddressType", "string", sliceDoc["addressType"]),
		col("Ports", "string", sliceDoc["ports"]),
		col("Endpoints", "string", sliceDoc["endpoints"]),
		ageColumn), endpointSliceCells)

	ingSpec := networkingv1.IngressSpec{}.SwaggerDoc()
	register(columns(nameColumn,
		col("Class", "string", ingSpec["ingressClassName"]),
		col("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
		col("Address", "string", "Address is a list containing ingress points for the load-balancer"),
		col("Ports", "string", "Ports of TLS configurations that open"),
		ageColumn), ingressCells)

	classSpec := networkingv1.IngressClassSpec{}.SwaggerDoc()
	register(columns(nameColumn,
		col("Controller", "string", classSpec["controller"]),
		col("Parameters", "string", classSpec["parameters"]),
		ageColumn), ingressClassCells)
}

func serviceCells(svc *corev1.Service, now time.Time) []any {
	clusterIP := none
	if len(svc.Spec.ClusterIPs) > 0 {
		clusterIP = svc.Spec.ClusterIPs[0]
	} else if svc.Spec.ClusterIP != "" {
		clusterIP = svc.Spec.ClusterIP
	}
	return []any{svc.Name, string(svc.Spec.Type), clusterIP, externalIP(svc), orNone(servicePorts(svc.Spec.Ports)),
		age(svc.CreationTimestamp, now), labels.FormatLabels(svc.Spec.Selector)}
}

// externalIP is what EXTERNAL-IP shows per service type; a load balancer
// without an address yet is <pending>.
func externalIP(svc *corev1.Service) string {
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, "":
		return orNone(strings.Join(svc.Spec.ExternalIPs, ","))
	case corev1.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	case corev1.ServiceTypeLoadBalancer:
		ips := append(loadBalancerIngress(svc.Status.LoadBalancer.Ingress), svc.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	}
	return unknown
}

func loadBalancerIngress(ingress []corev1.LoadBalancerIngress) []string {
	var out []string
	for _, i := range ingress {
		switch {
		case i.IP != "":
			out = append(out, i.IP)
		case i.Hostname != "":
			out = append(out, i.Hostname)
		}
	}
	return out
}

// servicePorts prints 80/TCP, or 80:30080/TCP with a node port.
func servicePorts(ports []corev1.ServicePort) string {
	out := make([]string, 0, len(ports))
	for _, p := range ports {
		if p.NodePort != 0 {
			out = append(out, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol))
			continue
		}
		out = append(out, fmt.Sprintf("%d/%s", p.Port, p.Protocol))
	}
	return strings.Join(out, ",")
}

func endpointsCells(ep *corev1.Endpoints, now time.Time) []any {
	return []any{ep.Name, formatEndpoints(ep), age(ep.CreationTimestamp, now)}
}

// formatEndpoints lists ip:port pairs (bare IPs for port-less subsets),
// at most three.
func formatEndpoints(ep *corev1.Endpoints) string {
	var list []string
	for _, ss := range ep.Subsets {
		if len(ss.Ports) == 0 {
			for _, a := range ss.Addresses {
				list = append(list, a.IP)
			}
			continue
		}
		for _, p := range ss.Ports {
			for _, a := range ss.Addresses {
				list = append(list, net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	return moreList(list, 3, none)
}

func endpointSliceCells(es *discoveryv1.EndpointSlice, now time.Time) []any {
	ports := make([]string, 0, len(es.Ports))
	for _, p := range es.Ports {
		switch {
		case p.Port != nil:
			ports = append(ports, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			ports = append(ports, *p.Name)
		default:
			ports = append(ports, "*")
		}
	}
	var addrs []string
	for _, e := range es.Endpoints {
		addrs = append(addrs, e.Addresses...)
	}
	return []any{es.Name, string(es.AddressType), moreList(ports, 3, unset), moreList(addrs, 3, unset), age(es.CreationTimestamp, now)}
}

func ingressCells(ing *networkingv1.Ingress, now time.Time) []any {
	class := none
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	}
	var hosts []string
	for _, r := range ing.Spec.Rules {
		if r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	var addrs []string
	for _, i := range ing.Status.LoadBalancer.Ingress {
		switch {
		case i.IP != "":
			addrs = append(addrs, i.IP)
		case i.Hostname != "":
			addrs = append(addrs, i.Hostname)
		}
	}
	ports := "80"
	if len(ing.Spec.TLS) > 0 {
		ports = "80, 443"
	}
	return []any{ing.Name, class, moreList(hosts, 3, "*"), strings.Join(addrs, ","), ports, age(ing.CreationTimestamp, now)}
}

func ingressClassCells(ic *networkingv1.IngressClass, now time.Time) []any {
	params := none
	if p := ic.Spec.Parameters; p != nil {
		params = p.Kind
		if p.APIGroup != nil {
			params += "." + *p.APIGroup
		}
		params += "/" + p.Name
	}
	return []any{ic.Name, ic.Spec.Controller, params, age(ic.CreationTimestamp, now)}
}
