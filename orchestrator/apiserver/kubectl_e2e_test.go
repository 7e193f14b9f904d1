package apiserver_test

// An end-to-end test: build skiff, start `skiff apiserver` (embedded etcd,
// HTTPS, generated CA) and drive it with the real kubectl. Needs
// /usr/bin/kubectl; no root.

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiffrun/skiff/internal/kubetest"
)

// startAPIServer starts `skiff apiserver` and waits until kubectl gets
// "ok" from /readyz.
func startAPIServer(t *testing.T) *kubetest.Server {
	t.Helper()
	kubetest.NeedKubectl(t)
	return kubetest.Start(t, "", func(s *kubetest.Server) bool {
		out, err := s.Kubectl("", "get", "--raw", "/readyz")
		return err == nil && out == "ok"
	})
}

// step is one kubectl invocation and what its output must contain.
type step struct {
	args  string
	stdin string
	want  []string
	fails bool // the command must fail (bad input)
}

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: p1
  labels: {app: web}
spec:
  containers:
  - name: c
    image: busybox
`

const node = `apiVersion: v1
kind: Node
metadata:
  name: n1
---
apiVersion: v1
kind: Pod
metadata:
  name: onnode
spec:
  nodeName: n1
  containers:
  - name: c
    image: busybox
`

const unknownField = `apiVersion: v1
kind: ConfigMap
metadata:
  name: strict
bogus: 1
`

const badName = `apiVersion: v1
kind: ConfigMap
metadata:
  name: Not_Valid
`

func TestKubectl(t *testing.T) {
	c := startAPIServer(t)
	os.WriteFile(filepath.Join(c.Dir, "file.txt"), []byte("from a file\n"), 0o644)
	steps := []step{
		{args: "version", want: []string{"Server Version: v1."}},
		{args: "api-versions", want: []string{"apps/v1", "batch/v1", "rbac.authorization.k8s.io/v1"}},
		{args: "api-resources --namespaced=true", want: []string{"pods", "po", "deployments", "deploy"}},
		{args: "api-resources --namespaced=false", want: []string{"namespaces", "nodes", "storageclasses"}},
		{args: "apply -f -", stdin: manifest, want: []string{"deployment.apps/web created", "service/web created", "pod/p1 created"}},
		{args: "apply -f -", stdin: manifest, want: []string{"deployment.apps/web unchanged"}},
		{args: "get deploy", want: []string{"NAME", "READY", "web"}},
		{args: "get deploy web -o wide", want: []string{"IMAGES", "nginx:1.25", "app=web"}},
		{args: "get deploy web -o yaml", want: []string{"kind: Deployment", "revisionHistoryLimit: 10"}},
		{args: "get svc web -o json", want: []string{`"kind": "Service"`, `"clusterIP": "10.96.`}},
		{args: "get pods -l app=web", want: []string{"p1", "Pending"}},
		{args: "get pods -A", want: []string{"NAMESPACE", "default", "p1"}},
		{args: "get pods --show-labels", want: []string{"app=web"}},
		{args: "describe deploy web", want: []string{"Replicas:", "nginx:1.25", "RollingUpdate"}},
		{args: "describe pod p1", want: []string{"Name:", "p1", "busybox"}},
		{args: "label deploy web tier=front", want: []string{"labeled"}},
		{args: "get deploy -l tier=front", want: []string{"web"}},
		{args: "annotate deploy web note=hello", want: []string{"annotated"}},
		{args: "scale deploy web --replicas=3", want: []string{"scaled"}},
		{args: "get deploy web -o jsonpath={.spec.replicas}", want: []string{"3"}},
		{args: "set image deploy/web nginx=nginx:1.26", want: []string{"image updated"}},
		{args: "patch deploy web --type=merge -p {\"spec\":{\"minReadySeconds\":5}}", want: []string{"patched"}},
		{args: "patch deploy web --type=json -p [{\"op\":\"replace\",\"path\":\"/spec/minReadySeconds\",\"value\":7}]", want: []string{"patched"}},
		{args: "patch deploy web -p {\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1.27\"}]}}}}", want: []string{"patched"}},
		{args: "get deploy web -o jsonpath={.spec.minReadySeconds},{.spec.template.spec.containers[0].image}", want: []string{"7,nginx:1.27"}},
		{args: "apply --server-side -f -", stdin: manifest, want: []string{"serverside-applied"}},
		{args: "explain deployment.spec.replicas", want: []string{"replicas"}},
		{args: "create configmap lit --from-literal=a=1 --from-literal=b=2", want: []string{"configmap/lit created"}},
		{args: "create configmap fromfile --from-file=file.txt", want: []string{"configmap/fromfile created"}},
		{args: "get cm fromfile -o jsonpath={.data.file\\.txt}", want: []string{"from a file"}},
		{args: "create secret generic s --from-literal=password=pw", want: []string{"secret/s created"}},
		{args: "get secret s -o jsonpath={.data.password}", want: []string{"cHc="}},
		{args: "auth can-i create pods", want: []string{"yes"}},
		{args: "run tmp --image=busybox -- sleep 100", want: []string{"pod/tmp created"}},
		{args: "expose pod tmp --port=80 --name=tmpsvc", want: []string{"service/tmpsvc exposed"}},
		{args: "autoscale deploy web --max=5 --cpu-percent=50", want: []string{"autoscaled"}},
		{args: "get hpa web", want: []string{"Deployment/web", "50%"}},
		{args: "create job j1 --image=busybox -- echo hi", want: []string{"job.batch/j1 created"}},
		{args: "create cronjob cj --image=busybox --schedule=*/5_*_*_*_* -- echo hi", want: []string{"cronjob.batch/cj created"}},
		{args: "create role r --verb=get --resource=pods", want: []string{"created"}},
		{args: "create rolebinding rb --role=r --user=bob", want: []string{"created"}},
		{args: "get all", want: []string{"pod/tmp", "service/tmpsvc", "deployment.apps/web", "job.batch/j1", "cronjob.batch/cj"}},
		{args: "delete pod -l run=tmp", want: []string{`pod "tmp" deleted`}},
		{args: "apply -f -", stdin: node, want: []string{"node/n1 created", "pod/onnode created"}},
		{args: "cordon n1", want: []string{"cordoned"}},
		{args: "drain n1 --force --grace-period=0 --timeout=20s", want: []string{"evicted", "drained"}},
		{args: "uncordon n1", want: []string{"uncordoned"}},
		{args: "create namespace scratch", want: []string{"created"}},
		{args: "-n scratch create configmap x --from-literal=a=b", want: []string{"created"}},
		{args: "delete namespace scratch", want: []string{"deleted"}},
		{args: "delete deploy web", want: []string{"deleted"}},
		{args: "delete svc web", want: []string{"deleted"}},
		{args: "delete pod p1", want: []string{"deleted"}},
		{args: "get deploy web", fails: true, want: []string{"NotFound"}},
		// bad input
		{args: "create -f -", stdin: unknownField, fails: true, want: []string{`unknown field "bogus"`}},
		{args: "apply -f -", stdin: badName, fails: true, want: []string{"Invalid value", "metadata.name"}},
		{args: "get pods -l a,in(b", fails: true, want: []string{"unable to parse"}},
		{args: "get pods --field-selector spec.bogus=x", fails: true, want: []string{"field label not supported"}},
	}
	for _, s := range steps {
		args := strings.Fields(s.args)
		for i := range args {
			args[i] = strings.ReplaceAll(args[i], "_", " ") // a space inside one argument
		}
		out, err := c.Kubectl(s.stdin, args...)
		if (err != nil) != s.fails {
			t.Errorf("kubectl %s: err %v (want failure: %v)\n%s", s.args, err, s.fails, out)
			continue
		}
		for _, w := range s.want {
			if !strings.Contains(out, w) {
				t.Errorf("kubectl %s: output lacks %q:\n%s", s.args, w, out)
			}
		}
	}
}

// TestKubectlWatch runs `kubectl get -w` while a configmap is created:
// the new configmap must appear in its output.
func TestKubectlWatch(t *testing.T) {
	c := startAPIServer(t)
	if o, err := c.Kubectl("", "create", "configmap", "first"); err != nil {
		t.Fatalf("create: %v %s", err, o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := c.Command(ctx, "", "get", "configmaps", "-w")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cancel()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// the existing configmap's row says the watch is up
	for line := range lines {
		if strings.HasPrefix(line, "first") {
			break
		}
	}
	if o, err := c.Kubectl("", "create", "configmap", "watched"); err != nil {
		t.Fatalf("create: %v %s", err, o)
	}
	for line := range lines {
		if strings.HasPrefix(line, "watched") {
			return
		}
	}
	t.Fatal("kubectl get -w ended without showing the new configmap")
}

// BenchmarkIdleRSS starts `skiff apiserver` with embedded etcd, lets it
// settle and reports its resident memory (goal: at most 100 MB).
func BenchmarkIdleRSS(b *testing.B) {
	for i := 0; i < b.N; i++ {
		c := kubetest.Start(b, "", readyz)
		time.Sleep(5 * time.Second)
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.Pid))
		if err != nil {
			b.Fatal(err)
		}
		var kb float64
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				fmt.Sscanf(strings.TrimPrefix(line, "VmRSS:"), "%f", &kb)
			}
		}
		b.ReportMetric(kb/1024, "idle-RSS-MB")
	}
}

// readyz asks /readyz over HTTPS as the admin of admin.kubeconfig.
func readyz(c *kubetest.Server) bool {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return false
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return false
	}
	client.Timeout = 2 * time.Second
	resp, err := client.Get(cfg.Host + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
