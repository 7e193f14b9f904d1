package authz

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	rbaclisters "k8s.io/client-go/listers/rbac/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// newRBAC builds the authorizer over in-memory listers holding objs.
func newRBAC(t *testing.T, objs ...runtime.Object) *RBAC {
	t.Helper()
	// One indexer per kind, as informers keep them (a Role and a binding
	// may share a name).
	byKind := func(keep func(any) bool) cache.Indexer {
		i := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		for _, o := range objs {
			if keep(o) {
				if err := i.Add(o); err != nil {
					t.Fatal(err)
				}
			}
		}
		return i
	}
	return &RBAC{
		Roles:               rbaclisters.NewRoleLister(byKind(func(o any) bool { _, ok := o.(*rbacv1.Role); return ok })),
		RoleBindings:        rbaclisters.NewRoleBindingLister(byKind(func(o any) bool { _, ok := o.(*rbacv1.RoleBinding); return ok })),
		ClusterRoles:        rbaclisters.NewClusterRoleLister(byKind(func(o any) bool { _, ok := o.(*rbacv1.ClusterRole); return ok })),
		ClusterRoleBindings: rbaclisters.NewClusterRoleBindingLister(byKind(func(o any) bool { _, ok := o.(*rbacv1.ClusterRoleBinding); return ok })),
	}
}

func defaults() []runtime.Object {
	var out []runtime.Object
	for _, r := range DefaultClusterRoles() {
		out = append(out, &r)
	}
	for _, b := range DefaultClusterRoleBindings() {
		out = append(out, &b)
	}
	return out
}

func roleBinding(ns, name, kind, role string, subjects ...rbacv1.Subject) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: role}}
}

var bob = &apiserver.User{Name: "bob", Groups: []string{"system:authenticated"}}

func res(u *apiserver.User, verb, group, resource, ns string) apiserver.Attributes {
	return apiserver.Attributes{User: u, Verb: verb, ResourceRequest: true, APIGroup: group, Resource: resource, Namespace: ns}
}

func TestRBAC(t *testing.T) {
	objs := append(defaults(),
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "qa", Name: "pod-reader"},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{"web"}}}},
		roleBinding("developer", "bob-edit", "ClusterRole", "edit", rbacv1.Subject{Kind: "User", Name: "bob"}),
		roleBinding("qa", "bob-reader", "Role", "pod-reader", rbacv1.Subject{Kind: "User", Name: "bob"}),
		roleBinding("qa", "sa-view", "ClusterRole", "view", rbacv1.Subject{Kind: "ServiceAccount", Name: "ci"}),
		roleBinding("ops", "dangling", "Role", "gone", rbacv1.Subject{Kind: "Group", Name: "system:authenticated"}),
	)
	z := newRBAC(t, objs...)
	ci := &apiserver.User{Name: "system:serviceaccount:qa:ci"}
	withName := res(bob, "get", "", "pods", "qa")
	withName.Name = "web"
	otherName := withName
	otherName.Name = "db"
	cases := []struct {
		name string
		a    apiserver.Attributes
		want bool
	}{
		{"masters", res(&apiserver.User{Name: "root", Groups: []string{MastersGroup}}, "delete", "", "nodes", ""), true},
		{"create deployments default", res(bob, "create", "apps", "deployments", "default"), false},
		{"create deployments developer", res(bob, "create", "apps", "deployments", "developer"), true},
		{"edit cannot touch roles", res(bob, "create", "rbac.authorization.k8s.io", "rolebindings", "developer"), false},
		{"resourceNames match", withName, true},
		{"resourceNames other", otherName, false},
		{"service account view", res(ci, "list", "", "pods", "qa"), true},
		{"service account elsewhere", res(ci, "list", "", "pods", "developer"), false},
		{"discovery", apiserver.Attributes{User: bob, Verb: "get", Path: "/apis/apps"}, true},
		{"non-resource other", apiserver.Attributes{User: bob, Verb: "get", Path: "/metrics"}, false},
		{"self review", res(bob, "create", "authorization.k8s.io", "selfsubjectaccessreviews", ""), true},
	}
	for _, tc := range cases {
		ok, reason, err := z.Authorize(context.Background(), tc.a)
		if err != nil || ok != tc.want {
			t.Errorf("%s: allowed=%v (%s) err=%v, want %v", tc.name, ok, reason, err, tc.want)
		}
	}
	_, reason, _ := z.Authorize(context.Background(), res(bob, "list", "", "pods", "ops"))
	if !strings.Contains(reason, `references missing Role ops/gone`) {
		t.Errorf("dangling binding: reason %q does not name the missing role", reason)
	}
	z.Synced = func() bool { return false }
	if ok, reason, _ := z.Authorize(context.Background(), res(bob, "create", "apps", "deployments", "developer")); ok || !strings.Contains(reason, "not synced") {
		t.Errorf("unsynced: allowed=%v %q", ok, reason)
	}
}

func TestRuleMatching(t *testing.T) {
	r := rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{"*"}, Resources: []string{"*/scale", "pods/*"}}
	a := res(bob, "get", "apps", "deployments", "x")
	if ruleAllows(r, a) {
		t.Error("*/scale matched the main resource")
	}
	a.Subresource = "scale"
	if !ruleAllows(r, a) {
		t.Error("*/scale did not match deployments/scale")
	}
	a.Resource, a.Subresource = "pods", "log"
	if !ruleAllows(r, a) {
		t.Error("pods/* did not match pods/log")
	}
	nr := rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz/*"}}
	if !ruleAllows(nr, apiserver.Attributes{Verb: "get", Path: "/healthz/etcd"}) || ruleAllows(nr, apiserver.Attributes{Verb: "post", Path: "/healthz/etcd"}) {
		t.Error("non-resource prefix match wrong")
	}
}

func TestAggregation(t *testing.T) {
	agg := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "monitoring"},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"aggregate-to-monitoring": "true"}}}}}
	part := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "metrics-part", Labels: map[string]string{"aggregate-to-monitoring": "true"}},
		Rules: []rbacv1.PolicyRule{{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"endpoints"}}}}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "bob"}},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "monitoring"}}
	z := newRBAC(t, agg, part, crb)
	if ok, _, _ := z.Authorize(context.Background(), res(bob, "list", "", "endpoints", "default")); !ok {
		t.Error("aggregated rule not applied")
	}
}

type fixedAuthn struct{ u *apiserver.User }

func (f fixedAuthn) Authenticate(*http.Request) (*apiserver.User, bool, error) { return f.u, true, nil }

func TestImpersonation(t *testing.T) {
	z := newRBAC(t, append(defaults(),
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "impersonate-bob"},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"impersonate"}, APIGroups: []string{""}, Resources: []string{"users"}, ResourceNames: []string{"bob"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice-as-bob"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "alice"}},
			RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "impersonate-bob"}})...)
	alice := &apiserver.User{Name: "alice", Groups: []string{"system:authenticated"}}
	im := &Impersonation{Authenticator: fixedAuthn{alice}, Authorizer: z}
	r := httptest.NewRequest("GET", "/api/v1/pods", nil)
	if u, ok, err := im.Authenticate(r); !ok || err != nil || u.Name != "alice" {
		t.Fatalf("no headers: %+v %v %v", u, ok, err)
	}
	r.Header.Set("Impersonate-User", "bob")
	u, ok, err := im.Authenticate(r)
	if !ok || err != nil || u.Name != "bob" || !contains(u.Groups, "system:authenticated") {
		t.Fatalf("as bob: %+v %v %v", u, ok, err)
	}
	r.Header.Set("Impersonate-User", "carol")
	_, ok, err = im.Authenticate(r)
	if ok || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `User "alice" cannot impersonate resource "users"`) {
		t.Fatalf("as carol: ok=%v err=%v, want 403", ok, err)
	}
	r.Header.Set("Impersonate-User", "bob")
	r.Header.Add("Impersonate-Group", "system:masters")
	if _, ok, err = im.Authenticate(r); ok || !apierrors.IsForbidden(err) {
		t.Fatalf("as bob in system:masters: ok=%v err=%v, want 403", ok, err)
	}
	r.Header.Del("Impersonate-User")
	if _, ok, err = im.Authenticate(r); ok || !apierrors.IsBadRequest(err) {
		t.Fatalf("group without user: ok=%v err=%v, want 400", ok, err)
	}
}

func TestSubjectRulesReview(t *testing.T) {
	z := newRBAC(t, append(defaults(),
		roleBinding("developer", "bob-view", "ClusterRole", "view", rbacv1.Subject{Kind: "User", Name: "bob"}),
		roleBinding("developer", "dangling", "Role", "gone", rbacv1.Subject{Kind: "User", Name: "bob"}))...)
	st := z.SubjectRulesReview(context.Background(), bob, "developer")
	if !st.Incomplete || !strings.Contains(st.EvaluationError, "missing Role developer/gone") {
		t.Errorf("dangling binding not reported: %+v", st.EvaluationError)
	}
	var pods, discovery bool
	for _, r := range st.ResourceRules {
		pods = pods || contains(r.Resources, "pods") && contains(r.Verbs, "list")
	}
	for _, r := range st.NonResourceRules {
		discovery = discovery || contains(r.NonResourceURLs, "/api")
	}
	if !pods || !discovery {
		t.Errorf("rules of bob: pods=%v discovery=%v: %+v", pods, discovery, st)
	}
}
