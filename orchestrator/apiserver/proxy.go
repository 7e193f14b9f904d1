package apiserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Streaming pod subresources — log, exec, attach, portforward — are served
// by the node agent of the pod's node; the API server proxies them there,
// upgrades (SPDY, WebSocket) included, as kube-apiserver does. The
// kubelet's address is the node's InternalIP (else its first address) and
// status.daemonEndpoints.kubeletEndpoint.Port (default 10250).

// kubeletPaths maps a subresource to the node agent's path for it.
var kubeletPaths = map[string]string{"log": "containerLogs", "exec": "exec", "attach": "attach", "portforward": "portForward"}

const defaultKubeletPort = 10250

func (s *Server) proxyToKubelet(w http.ResponseWriter, r *http.Request, req request) error {
	if s.cfg.KubeletTransport == nil {
		return apierrors.NewServiceUnavailable("this API server has no kubelet client configured")
	}
	pod, err := s.getObject(r.Context(), req.res, req.namespace, req.name)
	if err != nil {
		return err
	}
	target, err := s.kubeletURL(r.Context(), pod.(*corev1.Pod), req.subresource, r.URL.Query())
	if err != nil {
		return err
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = target
			pr.Out.Host = target.Host
			pr.Out.Header.Del("Authorization")
		},
		Transport:     s.cfg.KubeletTransport,
		FlushInterval: -1, // stream logs as they come
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, r, apierrors.NewServiceUnavailable(fmt.Sprintf("proxy to kubelet %s: %v", target.Host, err)))
		},
	}
	proxy.ServeHTTP(w, r)
	return nil
}

// kubeletURL is where the node agent serves this subresource of pod.
func (s *Server) kubeletURL(ctx context.Context, pod *corev1.Pod, sub string, q url.Values) (*url.URL, error) {
	if pod.Spec.NodeName == "" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s is not scheduled to a node yet", pod.Name))
	}
	path := "/" + kubeletPaths[sub] + "/" + pod.Namespace + "/" + pod.Name
	if sub != "portforward" {
		c, err := containerFor(pod, q.Get("container"))
		if err != nil {
			return nil, err
		}
		path += "/" + c
	}
	nodeObj, err := s.getObject(ctx, lookup("", "v1", "nodes"), "", pod.Spec.NodeName)
	if err != nil {
		return nil, err
	}
	host, err := kubeletHost(nodeObj.(*corev1.Node))
	if err != nil {
		return nil, err
	}
	q.Del("container")
	return &url.URL{Scheme: "https", Host: host, Path: path, RawQuery: q.Encode()}, nil
}

// containerFor picks the container a request means: the named one, or
// the only one.
func containerFor(pod *corev1.Pod, name string) (string, error) {
	var names []string
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if c.Name == name {
			return name, nil
		}
		names = append(names, c.Name)
	}
	if name == "" && len(pod.Spec.Containers) == 1 {
		return pod.Spec.Containers[0].Name, nil
	}
	if name == "" {
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %v", pod.Name, names))
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s, choose one of: %v", name, pod.Name, names))
}

func kubeletHost(node *corev1.Node) (string, error) {
	port := int(node.Status.DaemonEndpoints.KubeletEndpoint.Port)
	if port == 0 {
		port = defaultKubeletPort
	}
	var addr string
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP || addr == "" {
			addr = a.Address
		}
		if a.Type == corev1.NodeInternalIP {
			break
		}
	}
	if addr == "" {
		return "", apierrors.NewServiceUnavailable(fmt.Sprintf("node %s reports no address", node.Name))
	}
	return net.JoinHostPort(addr, strconv.Itoa(port)), nil
}
