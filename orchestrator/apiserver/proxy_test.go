package apiserver

import (
	"bufio"
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

// TestExecUpgradeProxied sends an upgrading exec request (as kubectl exec
// does over SPDY or WebSocket) and checks that bytes flow both ways
// through the API server to the node agent.
func TestExecUpgradeProxied(t *testing.T) {
	kubelet := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "SPDY/3.1" || !strings.HasPrefix(r.URL.Path, "/exec/default/p/c") {
			http.Error(w, "unexpected "+r.URL.Path, 400)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n")
		rw.Flush()
		line, _ := rw.ReadString('\n')
		rw.WriteString("echo:" + line)
		rw.Flush()
	}))
	kubelet.StartTLS()
	defer kubelet.Close()
	host, port, _ := net.SplitHostPort(kubelet.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	_, url, cs := testServer(t, func(c *Config) { c.KubeletTransport = kubelet.Client().Transport })
	ctx := context.Background()
	cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: host}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(p)}}}}, metav1.CreateOptions{})
	pd := pod("p", nil)
	pd.Spec.NodeName = "n1"
	cs.CoreV1().Pods("default").Create(ctx, pd, metav1.CreateOptions{})

	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/namespaces/default/pods/p/exec?command=sh&stdin=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nContent-Length: 0\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	fmt.Fprintf(conn, "hello\n")
	got, _ := br.ReadString('\n')
	if got != "echo:hello\n" {
		t.Fatalf("through the upgraded connection: %q", got)
	}
}
