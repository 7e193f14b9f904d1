package openapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiffrun/skiff/internal/kubetest"
)

const kubectlPath = kubetest.KubectlPath

// discoveryServer is the smallest API server kubectl talks to: /version,
// legacy discovery for testGroups and the OpenAPI handler. Everything
// else is 404 and logged, so a test failure shows what kubectl wanted.
func discoveryServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	writeJSON := func(path string, v any) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(v)
		})
	}
	writeJSON("/version", map[string]string{"major": "1", "minor": "37", "gitVersion": "v1.37.2+skiff",
		"gitCommit": "0000000", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
		"goVersion": "go1.26", "compiler": "gc", "platform": "linux/amd64"})
	writeJSON("/api", metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
		ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: "127.0.0.1"}}})
	groups := metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	for _, gv := range testGroups() {
		list := metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
			GroupVersion: strings.TrimPrefix(gv.Group+"/"+gv.Version, "/")}
		for _, r := range gv.Resources {
			list.APIResources = append(list.APIResources, metav1.APIResource{Name: r.Name, Kind: r.Kind,
				Namespaced: r.Namespaced, Verbs: r.Verbs})
		}
		writeJSON(gv.prefix(), list)
		if gv.Group != "" {
			v := metav1.GroupVersionForDiscovery{GroupVersion: list.GroupVersion, Version: gv.Version}
			groups.Groups = append(groups.Groups, metav1.APIGroup{Name: gv.Group, Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v})
		}
	}
	writeJSON("/apis", groups)
	mux.Handle("/openapi/", h)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Logf("kubectl asked for unserved %s %s", r.Method, r.URL)
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// kubectls lists the kubectl binaries to try: the dispatcher (which picks
// the version matching /version) and, where installed, each pinned release.
func kubectls(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(kubectlPath); err != nil {
		t.Skip("kubectl not installed at " + kubectlPath)
	}
	if testing.Short() {
		t.Skip("runs kubectl: skipped in -short mode")
	}
	bins := []string{kubectlPath}
	pinned, _ := filepath.Glob(filepath.Join(filepath.Dir(resolve(kubectlPath)), "kubectl.1.*"))
	return append(bins, pinned...)
}

func resolve(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	return path
}

// kubectl runs a kubectl binary against srv with a private HOME and cache.
func kubectl(t *testing.T, bin string, srv *httptest.Server, stdin string, args ...string) (string, error) {
	t.Helper()
	return kubetest.KubectlAt(t, bin, srv.URL, stdin, args...)
}

func TestKubectlExplain(t *testing.T) {
	for _, bin := range kubectls(t) {
		t.Run(filepath.Base(bin), func(t *testing.T) { testExplain(t, bin) })
	}
}

func testExplain(t *testing.T, bin string) {
	srv := discoveryServer(t, sharedHandler(t))
	out, err := kubectl(t, bin, srv, "", "explain", "pods.spec.containers")
	if err != nil {
		t.Fatalf("kubectl explain pods.spec.containers: %v\n%s", err, out)
	}
	for _, want := range []string{"KIND:       Pod", "VERSION:    v1", "FIELD: containers <[]Container>", "image\t<string>", "name\t<string> -required-"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain pods.spec.containers lacks %q:\n%s", want, out)
		}
	}
	// kubectl 1.30 and later print enums.
	if old := []string{"kubectl.1.27", "kubectl.1.28", "kubectl.1.29"}; !slices.Contains(old, filepath.Base(bin)) &&
		!strings.Contains(out, "enum: Always, IfNotPresent, Never") {
		t.Errorf("explain pods.spec.containers lacks the imagePullPolicy enum:\n%s", out)
	}
	out, err = kubectl(t, bin, srv, "", "explain", "deployment", "--recursive")
	if err != nil {
		t.Fatalf("kubectl explain deployment --recursive: %v\n%s", err, out)
	}
	for _, want := range []string{"GROUP:      apps", "KIND:       Deployment", "replicas\t<integer>", "maxSurge\t<IntOrString>", "containers\t<[]Container> -required-"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain deployment --recursive lacks %q:\n%.3000s", want, out)
		}
	}
}

const podYAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: web
    image: busybox
    command: ["sleep", "3600"]
    ports:
    - containerPort: 80
    resources:
      limits: {cpu: 1, memory: 64Mi}
      requests: {cpu: 100m}
    readinessProbe:
      httpGet: {port: 80, path: /}
`

// deploymentYAML exercises int-or-string (number and percent), maps and
// a label selector.
const deploymentYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 25%}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: busybox
        env:
        - name: A
          valueFrom:
            fieldRef: {fieldPath: metadata.name}
`

func TestKubectlValidate(t *testing.T) {
	for _, bin := range kubectls(t) {
		t.Run(filepath.Base(bin), func(t *testing.T) { testValidate(t, bin) })
	}
}

func testValidate(t *testing.T, bin string) {
	srv := discoveryServer(t, sharedHandler(t))
	out, err := kubectl(t, bin, srv, podYAML+"---\n"+deploymentYAML, "create", "--dry-run=client", "--validate=strict", "-o", "name", "-f", "-")
	if err != nil || strings.TrimSpace(out) != "pod/web\ndeployment.apps/web" {
		t.Fatalf("valid pod rejected: %v\n%s", err, out)
	}
	bad := []struct{ manifest, want string }{
		{strings.Replace(podYAML, "    image: busybox", "    image: busybox\n    imagePolicy: Always", 1), `unknown field "imagePolicy"`},
		{strings.Replace(deploymentYAML, "replicas: 2", "replicas: two", 1), `DeploymentSpec.replicas: got "string", expected "integer"`},
		{strings.Replace(podYAML, "  - name: web\n    image: busybox", "  - image: busybox", 1), `missing required field "name"`},
	}
	for _, b := range bad {
		out, err = kubectl(t, bin, srv, b.manifest, "create", "--dry-run=client", "--validate=strict", "-o", "name", "-f", "-")
		if err == nil || !strings.Contains(out, b.want) {
			t.Errorf("invalid manifest accepted or wrong error (want %q): %v\n%s", b.want, err, out)
		}
	}
}

// With ServerFieldValidation kubectl finds fieldValidation on the PATCH
// operation of the kind and leaves validation to the server: a dry run
// on the client then accepts an unknown field.
func TestKubectlServerFieldValidation(t *testing.T) {
	bin := kubectls(t)[0]
	h, err := NewHandler(Config{Groups: testGroups(), ServerFieldValidation: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := discoveryServer(t, h)
	out, err := kubectl(t, bin, srv, podYAML+"  bogus: 1\n", "create", "--dry-run=client", "--validate=strict", "-o", "name", "-f", "-")
	if err != nil || strings.TrimSpace(out) != "pod/web" {
		t.Fatalf("kubectl validated on the client although the server claims fieldValidation: %v\n%s", err, out)
	}
}
