package apiserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodLogsProxiedToKubelet(t *testing.T) {
	kubelet := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s?%s", r.URL.Path, r.URL.RawQuery)
	}))
	defer kubelet.Close()
	host, port, _ := net.SplitHostPort(kubelet.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	_, _, cs := testServer(t, func(c *Config) { c.KubeletTransport = kubelet.Client().Transport })
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: host}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(p)}}}}
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pd := pod("p", nil)
	pd.Spec.NodeName = "n1"
	cs.CoreV1().Pods("default").Create(ctx, pd, metav1.CreateOptions{})
	b, err := cs.CoreV1().Pods("default").GetLogs("p", &corev1.PodLogOptions{TailLines: new(int64)}).DoRaw(ctx)
	if err != nil || !strings.HasPrefix(string(b), "/containerLogs/default/p/c?") || !strings.Contains(string(b), "tailLines=0") {
		t.Fatalf("logs: %q %v", b, err)
	}
	_, err = cs.CoreV1().Pods("default").GetLogs("p", &corev1.PodLogOptions{Container: "nope"}).Stream(ctx)
	if err == nil || !strings.Contains(err.Error(), "not valid for pod p") {
		t.Fatalf("unknown container: %v", err)
	}
}
