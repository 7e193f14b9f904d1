package apiserver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// denySecrets refuses everything about secrets and /version, and records
// what it was asked.
type denySecrets struct{ asked []Attributes }

func (d *denySecrets) Authorize(_ context.Context, a Attributes) (bool, string, error) {
	d.asked = append(d.asked, a)
	return a.Resource != "secrets" && a.Path != "/version", "no secrets here", nil
}

// labelAdmission adds a label (mutating) and refuses configmaps named
// "forbidden" (validating).
type labelAdmission struct{}

func (labelAdmission) Admit(_ context.Context, r *AdmissionRequest) error {
	if r.Operation == "CREATE" {
		m := metaOf(r.Object)
		m.SetLabels(map[string]string{"admitted": "yes"})
	}
	return nil
}

func (labelAdmission) Validate(_ context.Context, r *AdmissionRequest) error {
	if r.Object != nil && metaOf(r.Object).GetName() == "forbidden" {
		return errors.New("name forbidden by policy")
	}
	return nil
}

type noAuth struct{}

func (noAuth) Authenticate(r *http.Request) (*User, bool, error) {
	if r.Header.Get("Authorization") == "" {
		return nil, false, nil
	}
	return &User{Name: "tester"}, true, nil
}

type refuseAll struct{}

func (refuseAll) Admit(*http.Request, *User) (bool, time.Duration, func()) {
	return false, 2 * time.Second, nil
}

func TestPipelineStages(t *testing.T) {
	authz := &denySecrets{}
	_, url, cs := testServer(t, func(c *Config) {
		c.Authorizer = authz
		c.Mutating = []MutatingAdmission{labelAdmission{}}
		c.Validating = []ValidatingAdmission{labelAdmission{}}
	})
	ctx := context.Background()
	if _, err := cs.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("list secrets: %v, want Forbidden", err)
	}
	if code, _ := rawGet(t, url+"/version", ""); code != 403 {
		t.Fatalf("/version: %d, want 403 from the authorizer", code)
	}
	cm, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ok"}}, metav1.CreateOptions{})
	if err != nil || cm.Labels["admitted"] != "yes" {
		t.Fatalf("mutating admission: %v %v", cm.Labels, err)
	}
	_, err = cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "forbidden"}}, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "forbidden by policy") {
		t.Fatalf("validating admission: %v", err)
	}
	var sawCreate bool
	for _, a := range authz.asked {
		sawCreate = sawCreate || (a.Verb == "create" && a.Resource == "configmaps" && a.Namespace == "default" && a.User != nil)
	}
	if !sawCreate {
		t.Fatalf("authorizer never asked about creating configmaps: %+v", authz.asked)
	}
}

func TestAuthenticationAndRateLimit(t *testing.T) {
	_, url, _ := testServer(t, func(c *Config) { c.Authenticator = noAuth{} })
	if code, body := rawGet(t, url+"/api/v1/namespaces", ""); code != 401 || !strings.Contains(body, "Unauthorized") {
		t.Fatalf("no credentials: %d %s", code, body)
	}
	_, url, _ = testServer(t, func(c *Config) { c.RateLimiter = refuseAll{} })
	resp, err := http.Get(url + "/api/v1/namespaces")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("rate limited: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestDiscovery(t *testing.T) {
	_, url, cs := testServer(t)
	groups, lists, err := cs.Discovery().ServerGroupsAndResources()
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) < 10 {
		t.Fatalf("%d groups", len(groups))
	}
	found := map[string]metav1.APIResource{}
	for _, l := range lists {
		for _, r := range l.APIResources {
			found[l.GroupVersion+"/"+r.Name] = r
		}
	}
	if p := found["v1/pods"]; p.Kind != "Pod" || !p.Namespaced || p.ShortNames[0] != "po" || p.Categories[0] != "all" {
		t.Fatalf("pods: %+v", p)
	}
	if s := found["apps/v1/deployments/scale"]; s.Kind != "Scale" || s.Group != "autoscaling" {
		t.Fatalf("deployments/scale: %+v", s)
	}
	accept := "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
	code, body := rawGet(t, url+"/apis", accept)
	if code != 200 || !strings.Contains(body, `"kind":"APIGroupDiscoveryList"`) || !strings.Contains(body, `"resource":"deployments"`) {
		t.Fatalf("aggregated discovery: %d %.300s", code, body)
	}
}
