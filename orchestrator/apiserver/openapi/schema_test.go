package openapi

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

func buildTestAPI(t *testing.T) *api {
	t.Helper()
	a, err := buildAPI(Config{Groups: testGroups()})
	if err != nil {
		t.Fatalf("buildAPI: %v", err)
	}
	return a
}

func def(t *testing.T, a *api, name string) *Schema {
	t.Helper()
	d, ok := a.defs[name]
	if !ok {
		t.Fatalf("definition %s missing", name)
	}
	return d
}

func prop(t *testing.T, s *Schema, name string) *Schema {
	t.Helper()
	p, ok := s.Properties[name]
	if !ok {
		t.Fatalf("property %s missing (have %d properties)", name, len(s.Properties))
	}
	return p
}

func TestPodSchema(t *testing.T) {
	a := buildTestAPI(t)
	pod := def(t, a, "io.k8s.api.core.v1.Pod")
	if pod.Type != "object" || pod.Description == "" {
		t.Errorf("Pod: type %q description %q, want object with a description", pod.Type, pod.Description)
	}
	want := []GVK{{Group: "", Kind: "Pod", Version: "v1"}}
	if !slices.Equal(pod.GVK, want) {
		t.Errorf("Pod GVK = %v, want %v", pod.GVK, want)
	}
	for _, f := range []string{"apiVersion", "kind", "metadata", "spec", "status"} {
		prop(t, pod, f) // TypeMeta is inline: apiVersion and kind sit on Pod
	}
	if len(pod.Required) != 0 {
		t.Errorf("Pod required = %v, want none (all omitempty)", pod.Required)
	}
	if m := prop(t, pod, "metadata"); m.Ref != "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" || m.Description == "" {
		t.Errorf("metadata = %+v, want ref to ObjectMeta with description", m)
	}
	spec := def(t, a, "io.k8s.api.core.v1.PodSpec")
	if !slices.Contains(spec.Required, "containers") {
		t.Errorf("PodSpec required = %v, want containers", spec.Required)
	}
	c := prop(t, spec, "containers")
	if c.Type != "array" || c.Items.Ref != "io.k8s.api.core.v1.Container" || c.PatchStrategy != "merge" ||
		c.PatchMergeKey != "name" || c.ListType != "map" || !slices.Equal(c.ListMapKeys, []string{"name"}) {
		t.Errorf("containers = %+v items %+v", c, c.Items)
	}
	if v := prop(t, spec, "volumes"); v.PatchStrategy != "merge,retainKeys" {
		t.Errorf("volumes patch strategy = %q", v.PatchStrategy)
	}
	if ns := prop(t, spec, "nodeSelector"); ns.Type != "object" || ns.AdditionalProperties == nil || ns.AdditionalProperties.Type != "string" {
		t.Errorf("nodeSelector = %+v, want map of strings", ns)
	}
	vol := def(t, a, "io.k8s.api.core.v1.Volume")
	prop(t, vol, "configMap") // VolumeSource is inline
	probe := def(t, a, "io.k8s.api.core.v1.Probe")
	prop(t, probe, "httpGet") // ProbeHandler is inline
	port := prop(t, def(t, a, "io.k8s.api.core.v1.HTTPGetAction"), "port")
	if port.Ref != "io.k8s.apimachinery.pkg.util.intstr.IntOrString" {
		t.Errorf("httpGet.port = %+v, want IntOrString ref", port)
	}
	cp := def(t, a, "io.k8s.api.core.v1.ContainerPort")
	if p := prop(t, cp, "containerPort"); p.Type != "integer" || p.Format != "int32" {
		t.Errorf("containerPort = %+v", p)
	}
}

func TestSpecialTypes(t *testing.T) {
	a := buildTestAPI(t)
	cases := []struct{ name, typ, format string }{
		{"io.k8s.apimachinery.pkg.api.resource.Quantity", "string", ""},
		{"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "string", "int-or-string"},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.Time", "string", "date-time"},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", "object", ""},
	}
	for _, c := range cases {
		d := def(t, a, c.name)
		if d.Type != c.typ || d.Format != c.format || d.Properties != nil {
			t.Errorf("%s = type %q format %q props %d, want %q %q", c.name, d.Type, d.Format, len(d.Properties), c.typ, c.format)
		}
	}
	limits := prop(t, def(t, a, "io.k8s.api.core.v1.ResourceRequirements"), "limits")
	if limits.AdditionalProperties == nil || limits.AdditionalProperties.Ref != "io.k8s.apimachinery.pkg.api.resource.Quantity" {
		t.Errorf("limits = %+v, want map of Quantity", limits)
	}
	v3 := renderV3(def(t, a, "io.k8s.apimachinery.pkg.util.intstr.IntOrString"))
	if v3.Type != "" || len(v3.OneOf) != 2 || v3.OneOf[0].Type != "integer" || v3.Format != "int-or-string" {
		t.Errorf("v3 IntOrString = %+v", v3)
	}
	ca := def(t, a, "io.k8s.api.core.v1.ConfigMap")
	if b := prop(t, ca, "binaryData"); b.AdditionalProperties == nil || b.AdditionalProperties.Format != "byte" {
		t.Errorf("binaryData = %+v, want map of byte strings", b)
	}
	if d := prop(t, ca, "data"); d.AdditionalProperties == nil || d.AdditionalProperties.Type != "string" {
		t.Errorf("data = %+v, want map of strings", d)
	}
}

func TestDeploymentSchema(t *testing.T) {
	a := buildTestAPI(t)
	d := def(t, a, "io.k8s.api.apps.v1.Deployment")
	if !slices.Equal(d.GVK, []GVK{{Group: "apps", Kind: "Deployment", Version: "v1"}}) {
		t.Errorf("Deployment GVK = %v", d.GVK)
	}
	spec := def(t, a, "io.k8s.api.apps.v1.DeploymentSpec")
	for _, r := range []string{"selector", "template"} {
		if !slices.Contains(spec.Required, r) {
			t.Errorf("DeploymentSpec required = %v, want %s", spec.Required, r)
		}
	}
	if slices.Contains(spec.Required, "replicas") {
		t.Errorf("replicas is omitempty, must not be required")
	}
	tmpl := prop(t, spec, "template")
	if tmpl.Ref != "io.k8s.api.core.v1.PodTemplateSpec" || tmpl.Default == nil {
		t.Errorf("template = %+v, want ref with default {} (non-pointer struct)", tmpl)
	}
	v3 := renderV3(tmpl)
	if v3.Ref != "" || len(v3.AllOf) != 1 || v3.AllOf[0].Ref != "#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec" {
		t.Errorf("v3 template = %+v, want allOf-wrapped ref", v3)
	}
	if v2 := renderV2(tmpl); v2.Ref != "#/definitions/io.k8s.api.core.v1.PodTemplateSpec" {
		t.Errorf("v2 template ref = %q", v2.Ref)
	}
	if l := def(t, a, "io.k8s.api.apps.v1.DeploymentList"); !slices.Equal(l.GVK, []GVK{{Group: "apps", Kind: "DeploymentList", Version: "v1"}}) {
		t.Errorf("DeploymentList GVK = %v", l.GVK)
	}
}

func TestV3DocumentPerGroupVersion(t *testing.T) {
	docs, err := build(Config{Groups: testGroups()})
	if err != nil {
		t.Fatal(err)
	}
	var apps openAPIV3
	if err := json.Unmarshal(docs.v3["apis/apps/v1"], &apps); err != nil {
		t.Fatal(err)
	}
	if _, ok := apps.Components.Schemas["io.k8s.api.apps.v1.Deployment"]; !ok {
		t.Error("apps/v1 lacks Deployment")
	}
	if _, ok := apps.Components.Schemas["io.k8s.api.core.v1.PodSpec"]; !ok {
		t.Error("apps/v1 lacks PodSpec (referenced by the pod template)")
	}
	if _, ok := apps.Components.Schemas["io.k8s.api.core.v1.ConfigMap"]; ok {
		t.Error("apps/v1 carries ConfigMap, which none of its kinds references")
	}
	op := apps.Paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
	if op.Action != "patch" || op.GVK != (GVK{Group: "apps", Kind: "Deployment", Version: "v1"}) || op.OperationID != "patchAppsV1NamespacedDeployment" {
		t.Errorf("patch op = %+v", op)
	}
	if _, ok := apps.Paths["/apis/apps/v1/deployments"]["get"]; !ok {
		t.Error("no list-for-all-namespaces path")
	}
	scale := apps.Paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["put"]
	if scale.GVK != (GVK{Group: "autoscaling", Kind: "Scale", Version: "v1"}) || scale.OperationID != "replaceAppsV1NamespacedDeploymentScale" {
		t.Errorf("scale put = %+v", scale)
	}
	var core openAPIV3
	if err := json.Unmarshal(docs.v3["api/v1"], &core); err != nil {
		t.Fatal(err)
	}
	if _, ok := core.Paths["/api/v1/namespaces/{name}"]["get"]; !ok {
		t.Error("cluster-scoped namespaces path missing")
	}
	evict := core.Paths["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]["post"]
	if evict.GVK != (GVK{Group: "policy", Kind: "Eviction", Version: "v1"}) || evict.RequestBody == nil {
		t.Errorf("eviction post = %+v", evict)
	}
	if _, ok := core.Components.Schemas["io.k8s.api.policy.v1.Eviction"]; !ok {
		t.Error("Eviction schema missing from api/v1")
	}
}

func TestInvalidInput(t *testing.T) {
	cases := map[string][]GroupVersionResources{
		"empty":                      nil,
		"bad name":                   {{Version: "v1", Resources: []Resource{{Name: "Pods", Kind: "Pod", Object: &corev1.Pod{}}}}},
		"bad kind":                   {{Version: "v1", Resources: []Resource{{Name: "pods", Kind: "pod", Object: &corev1.Pod{}}}}},
		"no object":                  {{Version: "v1", Resources: []Resource{{Name: "pods", Kind: "Pod"}}}},
		"no list":                    {{Version: "v1", Resources: []Resource{{Name: "pods", Kind: "Pod", Verbs: []string{"list"}, Object: &corev1.Pod{}}}}},
		"bad verb":                   {{Version: "v1", Resources: []Resource{{Name: "pods", Kind: "Pod", Verbs: []string{"explode"}, Object: &corev1.Pod{}}}}},
		"bad version":                {{Version: "V1"}},
		"kind group without version": {{Version: "v1", Resources: []Resource{{Name: "pods/eviction", Kind: "Eviction", Group: "policy", Object: &corev1.Pod{}}}}},
		"duplicate gv":               {{Version: "v1"}, {Version: "v1"}},
	}
	for name, groups := range cases {
		if _, err := NewHandler(Config{Groups: groups}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

// Comment markers override the omitempty rule; +enum types list values.
func TestCommentMarkers(t *testing.T) {
	a, err := buildAPI(Config{Groups: []GroupVersionResources{
		{Group: "apps", Version: "v1", Resources: []Resource{{Name: "statefulsets", Kind: "StatefulSet", Verbs: []string{"get"}, Object: &appsv1.StatefulSet{}}}},
		{Group: "rbac.authorization.k8s.io", Version: "v1", Resources: []Resource{{Name: "roles", Kind: "Role", Verbs: []string{"get"}, Object: &rbacv1.Role{}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r := def(t, a, "io.k8s.api.rbac.v1.Role").Required; slices.Contains(r, "rules") {
		t.Errorf("Role required = %v: rules is +optional", r)
	}
	if r := def(t, a, "io.k8s.api.apps.v1.StatefulSetSpec").Required; slices.Contains(r, "serviceName") || !slices.Contains(r, "selector") {
		t.Errorf("StatefulSetSpec required = %v, want selector but not serviceName", r)
	}
	if r := def(t, a, "io.k8s.api.core.v1.Container").Required; !slices.Equal(r, []string{"name"}) {
		t.Errorf("Container required = %v, want [name]", r)
	}
	policy := prop(t, def(t, a, "io.k8s.api.core.v1.PodSpec"), "restartPolicy")
	if !slices.Equal(policy.Enum, []string{"Always", "Never", "OnFailure"}) {
		t.Errorf("restartPolicy enum = %v", policy.Enum)
	}
	ports := prop(t, def(t, a, "io.k8s.api.core.v1.Container"), "ports")
	if ports.ListType != "map" || !slices.Equal(ports.ListMapKeys, []string{"containerPort", "protocol"}) || ports.PatchMergeKey != "containerPort" {
		t.Errorf("ports = list %q keys %v merge key %q", ports.ListType, ports.ListMapKeys, ports.PatchMergeKey)
	}
	if ns := prop(t, def(t, a, "io.k8s.api.core.v1.PodSpec"), "nodeSelector"); ns.MapType != "atomic" {
		t.Errorf("nodeSelector map type = %q", ns.MapType)
	}
	if ls := def(t, a, "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"); ls.MapType != "atomic" {
		t.Errorf("LabelSelector map type = %q", ls.MapType)
	}
	if args := prop(t, def(t, a, "io.k8s.api.core.v1.Container"), "args"); args.ListType != "atomic" {
		t.Errorf("args list type = %q", args.ListType)
	}
}
