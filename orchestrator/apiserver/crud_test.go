package apiserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/version"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
)

func TestVersionHealthMetrics(t *testing.T) {
	_, url, cs := testServer(t)
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	want := Version()
	if v.Major != "1" || v.Minor != want.Minor || !strings.HasPrefix(v.GitVersion, "v1."+want.Minor+".") || !strings.HasSuffix(v.GitVersion, "+skiff") {
		t.Fatalf("version %+v", v)
	}
	_ = version.Info{}
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		if code, body := rawGet(t, url+p, ""); code != 200 || body != "ok" {
			t.Fatalf("%s: %d %q", p, code, body)
		}
	}
	if code, body := rawGet(t, url+"/metrics", ""); code != 200 || !strings.Contains(body, "apiserver_request_total") {
		t.Fatalf("/metrics: %d, no apiserver_request_total", code)
	}
}

func rawGet(t *testing.T, url, accept string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestConfigMapVerbs(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("default")
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.UID == "" || cm.ResourceVersion == "" || cm.CreationTimestamp.IsZero() {
		t.Fatalf("created without server metadata: %+v", cm.ObjectMeta)
	}
	if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: %v, want AlreadyExists", err)
	}
	// update, then a stale update conflicts
	stale := cm.DeepCopy()
	cm.Data["k"] = "v2"
	cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	if err != nil || cm.Data["k"] != "v2" {
		t.Fatalf("update: %v", err)
	}
	stale.Data["k"] = "old"
	if _, err := cms.Update(ctx, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v, want Conflict", err)
	}
	// the three patch types and server-side apply
	patches := []struct {
		typ  types.PatchType
		body string
		key  string
	}{
		{types.MergePatchType, `{"data":{"m":"1"}}`, "m"},
		{types.StrategicMergePatchType, `{"data":{"s":"1"}}`, "s"},
		{types.JSONPatchType, `[{"op":"add","path":"/data/j","value":"1"}]`, "j"},
	}
	for _, p := range patches {
		cm, err = cms.Patch(ctx, "a", p.typ, []byte(p.body), metav1.PatchOptions{})
		if err != nil || cm.Data[p.key] != "1" {
			t.Fatalf("%s patch: %v %v", p.typ, cm.Data, err)
		}
	}
	ac := corev1ac.ConfigMap("a", "default").WithData(map[string]string{"applied": "yes"})
	cm, err = cms.Apply(ctx, ac, metav1.ApplyOptions{FieldManager: "test"})
	if err != nil || cm.Data["applied"] != "yes" || cm.Data["k"] != "v2" {
		t.Fatalf("apply: %v %v", cm.Data, err)
	}
	if !hasManager(cm.ManagedFields, "test", metav1.ManagedFieldsOperationApply) {
		t.Fatalf("apply recorded no managedFields entry: %+v", cm.ManagedFields)
	}
	created, err := cms.Apply(ctx, corev1ac.ConfigMap("b", "default").WithData(map[string]string{"x": "y"}), metav1.ApplyOptions{FieldManager: "test"})
	if err != nil || created.UID == "" {
		t.Fatalf("apply create: %v", err)
	}
	list, err := cms.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("list: %d items, %v", len(list.Items), err)
	}
	if err := cms.Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(ctx, "a", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("get after delete: %v, want NotFound", err)
	}
	if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if list, _ := cms.List(ctx, metav1.ListOptions{}); len(list.Items) != 0 {
		t.Fatalf("deletecollection left %d", len(list.Items))
	}
}

func hasManager(entries []metav1.ManagedFieldsEntry, name string, op metav1.ManagedFieldsOperationType) bool {
	for _, e := range entries {
		if e.Manager == name && e.Operation == op && e.FieldsV1 != nil && json.Valid(e.FieldsV1.Raw) {
			return true
		}
	}
	return false
}

func TestDryRunAndFieldValidation(t *testing.T) {
	_, url, cs := testServer(t)
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("default")
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dry"}}, metav1.CreateOptions{DryRun: []string{"All"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("dry-run create was stored: %v", err)
	}
	body := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"u"},"bogus":1}`
	code, resp, _ := rawPost(t, url+"/api/v1/namespaces/default/configmaps?fieldValidation=Strict", "application/json", body)
	if code != 400 || !strings.Contains(resp, `unknown field \"bogus\"`) {
		t.Fatalf("strict: %d %s", code, resp)
	}
	code, _, hdr := rawPost(t, url+"/api/v1/namespaces/default/configmaps?fieldValidation=Warn", "application/json", body)
	if code != 201 || !strings.Contains(hdr.Get("Warning"), "bogus") {
		t.Fatalf("warn: %d, Warning %q", code, hdr.Get("Warning"))
	}
	bad := map[string]struct {
		ct, body string
		code     int
	}{
		"malformed json": {"application/json", `{"apiVersion":`, 400},
		"malformed yaml": {"application/yaml", "a: [", 400},
		"malformed pb":   {"application/vnd.kubernetes.protobuf", "\x00\x01garbage", 400},
		"wrong kind":     {"application/json", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}`, 400},
		"wrong version":  {"application/json", `{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"s"}}`, 400},
		"bad name":       {"application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Not_A_Name"}}`, 422},
		"media type":     {"text/plain", `x`, 415},
		"wrong ns":       {"application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s","namespace":"kube-system"}}`, 400},
	}
	for name, b := range bad {
		if code, resp, _ := rawPost(t, url+"/api/v1/namespaces/default/configmaps", b.ct, b.body); code != b.code || !strings.Contains(resp, `"kind":"Status"`) {
			t.Errorf("%s: %d %s, want %d Status", name, code, resp, b.code)
		}
	}
	if _, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "a in (b"}); !apierrors.IsBadRequest(err) {
		t.Errorf("bad label selector: %v", err)
	}
	if _, err := cms.List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=x"}); !apierrors.IsBadRequest(err) {
		t.Errorf("unsupported field selector: %v", err)
	}
}

func rawPost(t *testing.T, url, ct, body string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Post(url, ct, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestApplyRemovesDroppedFields(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("default")
	apply := func(data map[string]string) *corev1.ConfigMap {
		cm, err := cms.Apply(ctx, corev1ac.ConfigMap("sa", "default").WithData(data), metav1.ApplyOptions{FieldManager: "me"})
		if err != nil {
			t.Fatal(err)
		}
		return cm
	}
	apply(map[string]string{"a": "1", "b": "2"})
	if _, err := cms.Patch(ctx, "sa", types.MergePatchType, []byte(`{"data":{"c":"3"}}`), metav1.PatchOptions{FieldManager: "other"}); err != nil {
		t.Fatal(err)
	}
	cm := apply(map[string]string{"a": "1"})
	if _, ok := cm.Data["b"]; ok || cm.Data["a"] != "1" || cm.Data["c"] != "3" {
		t.Fatalf("after re-apply without b: %v (want a kept, b removed, c of another manager kept)", cm.Data)
	}
}

func TestNameRules(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a.b"}}, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("namespace a.b (not a DNS label): %v, want Invalid", err)
	}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a.b"}}, metav1.CreateOptions{}); err != nil {
		t.Errorf("configmap a.b (a DNS subdomain): %v", err)
	}
	cm, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "gen-"}}, metav1.CreateOptions{})
	if err != nil || !strings.HasPrefix(cm.Name, "gen-") || len(cm.Name) != len("gen-")+5 {
		t.Errorf("generateName: %v %v", cm, err)
	}
}
