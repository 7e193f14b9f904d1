package printers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiffrun/skiff/internal/kubetest"
)

const kubectlPath = kubetest.KubectlPath

// tableServer serves discovery for pods and a pod list, as a Table when
// kubectl asks for one (it always does for get), with the query's
// includeObject, and records the Accept headers it saw.
func tableServer(t *testing.T, pods *corev1.PodList) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"major": "1", "minor": "37", "gitVersion": "v1.37.2+skiff", "platform": "linux/amd64"})
	})
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}})
	})
	mux.HandleFunc("/apis", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}})
	})
	mux.HandleFunc("/api/v1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: "v1",
			APIResources: []metav1.APIResource{{Name: "pods", Kind: "Pod", Namespaced: true, ShortNames: []string{"po"}, Verbs: []string{"get", "list"}}}})
	})
	podList := func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "as=Table") {
			t.Errorf("kubectl did not ask for a Table: Accept %q", r.Header.Get("Accept"))
		}
		table, err := Table(pods, Options{IncludeObject: metav1.IncludeObjectPolicy(r.URL.Query().Get("includeObject"))})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, table)
	}
	mux.HandleFunc("/api/v1/namespaces/default/pods/web", func(w http.ResponseWriter, r *http.Request) {
		table, err := Table(&pods.Items[0], Options{IncludeObject: metav1.IncludeObjectPolicy(r.URL.Query().Get("includeObject"))})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, table)
	})
	mux.HandleFunc("/api/v1/pods", podList)
	mux.HandleFunc("/api/v1/namespaces/default/pods", podList)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Logf("unserved %s %s", r.Method, r.URL)
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func runKubectl(t *testing.T, srv *httptest.Server, args ...string) string {
	t.Helper()
	out, err := kubetest.KubectlAt(t, kubectlPath, srv.URL, "", args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func TestKubectlGet(t *testing.T) {
	if _, err := os.Stat(kubectlPath); err != nil {
		t.Skip("kubectl not installed at " + kubectlPath)
	}
	if testing.Short() {
		t.Skip("runs kubectl: skipped in -short mode")
	}
	created := metav1.NewTime(time.Now().Add(-100 * 24 * time.Hour)) // "100d" however slow kubectl starts
	pods := &corev1.PodList{Items: []corev1.Pod{{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", CreationTimestamp: created, Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIPs: []corev1.PodIP{{IP: "10.88.0.5"}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}},
	}}}
	srv := tableServer(t, pods)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"get", "pods"}, []string{"NAME   READY   STATUS    RESTARTS   AGE", "web    1/1     Running   0          100d"}},
		{[]string{"get", "pods", "-o", "wide"}, []string{"IP          NODE     NOMINATED NODE   READINESS GATES", "10.88.0.5   node-1   <none>           <none>"}},
		{[]string{"get", "pods", "-A"}, []string{"NAMESPACE   NAME   READY", "default     web    1/1"}},
		{[]string{"get", "pods", "--show-labels"}, []string{"LABELS", "app=web"}},
		{[]string{"get", "pod", "web"}, []string{"NAME   READY", "web    1/1"}},
	}
	for _, c := range cases {
		out := runKubectl(t, srv, c.args...)
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("kubectl %s lacks %q:\n%s", strings.Join(c.args, " "), w, out)
			}
		}
	}
	out := runKubectl(t, srv, "get", "pods", "--no-headers")
	if got := strings.Join(strings.Fields(out), " "); got != "web 1/1 Running 0 100d" {
		t.Errorf("kubectl get pods --no-headers = %q", out)
	}
}
