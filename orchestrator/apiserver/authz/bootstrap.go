package authz

import (
	"context"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// rule builds a PolicyRule: verbs on resources of API groups.
func rule(verbs string, groups []string, resources ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: split(verbs), APIGroups: groups, Resources: resources}
}

func nonResource(verbs string, urls ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: split(verbs), NonResourceURLs: urls}
}

func split(s string) []string { return strings.Fields(s) }

const (
	read  = "get list watch"
	write = "create update patch delete deletecollection"
	all   = read + " " + write
)

var (
	core     = []string{""}
	apps     = []string{"apps"}
	anyGroup = []string{"*"}
)

// Workload and configuration resources namespaced users work with.
var (
	workloadRead = []rbacv1.PolicyRule{
		rule(read, core, "pods", "pods/log", "pods/status", "services", "services/status", "endpoints",
			"configmaps", "persistentvolumeclaims", "persistentvolumeclaims/status", "replicationcontrollers",
			"replicationcontrollers/scale", "replicationcontrollers/status", "serviceaccounts", "events",
			"limitranges", "resourcequotas", "resourcequotas/status", "namespaces", "namespaces/status"),
		rule(read, apps, "deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
			"replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status", "daemonsets", "daemonsets/status",
			"controllerrevisions"),
		rule(read, []string{"batch"}, "jobs", "jobs/status", "cronjobs", "cronjobs/status"),
		rule(read, []string{"autoscaling"}, "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
		rule(read, []string{"networking.k8s.io"}, "ingresses", "ingresses/status", "networkpolicies"),
		rule(read, []string{"policy"}, "poddisruptionbudgets", "poddisruptionbudgets/status"),
		rule(read, []string{"discovery.k8s.io"}, "endpointslices"),
	}
	workloadWrite = []rbacv1.PolicyRule{
		rule(write, core, "pods", "pods/exec", "pods/attach", "pods/portforward", "pods/eviction", "services",
			"endpoints", "configmaps", "secrets", "persistentvolumeclaims", "replicationcontrollers",
			"replicationcontrollers/scale", "serviceaccounts"),
		rule("get", core, "pods/exec", "pods/attach", "pods/portforward", "services/proxy", "pods/proxy"),
		rule(read, core, "secrets"),
		rule("impersonate", core, "serviceaccounts"),
		rule(write, apps, "deployments", "deployments/scale", "deployments/rollback", "replicasets",
			"replicasets/scale", "statefulsets", "statefulsets/scale", "daemonsets"),
		rule(write, []string{"batch"}, "jobs", "cronjobs"),
		rule(write, []string{"autoscaling"}, "horizontalpodautoscalers"),
		rule(write, []string{"networking.k8s.io"}, "ingresses", "networkpolicies"),
		rule(write, []string{"policy"}, "poddisruptionbudgets"),
		rule(write, []string{"discovery.k8s.io"}, "endpointslices"),
	}
)

func cat(lists ...[]rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// DefaultClusterRoles are the roles every cluster starts with.
func DefaultClusterRoles() []rbacv1.ClusterRole {
	everything := []rbacv1.PolicyRule{rule("*", anyGroup, "*"), nonResource("*", "*")}
	view := workloadRead
	edit := cat(workloadRead, workloadWrite)
	admin := cat(edit, []rbacv1.PolicyRule{
		rule(all, []string{"rbac.authorization.k8s.io"}, "roles", "rolebindings"),
		rule("create", []string{"authorization.k8s.io"}, "localsubjectaccessreviews"),
	})
	roles := []rbacv1.ClusterRole{
		clusterRole("cluster-admin", everything),
		clusterRole("admin", admin),
		clusterRole("edit", edit),
		clusterRole("view", view),
		clusterRole("system:discovery", []rbacv1.PolicyRule{nonResource("get", "/api", "/api/*", "/apis", "/apis/*",
			"/openapi", "/openapi/*", "/version", "/version/", "/healthz", "/livez", "/readyz")}),
		clusterRole("system:public-info-viewer", []rbacv1.PolicyRule{nonResource("get", "/healthz", "/livez", "/readyz", "/version", "/version/")}),
		clusterRole("system:basic-user", []rbacv1.PolicyRule{
			rule("create", []string{"authorization.k8s.io"}, "selfsubjectaccessreviews", "selfsubjectrulesreviews"),
			rule("create", []string{"authentication.k8s.io"}, "selfsubjectreviews")}),
	}
	return append(roles, componentRoles()...)
}

// componentRoles are what skiff's scheduler, controller manager, node
// agents and proxy need.
func componentRoles() []rbacv1.ClusterRole {
	events := rule(write+" "+read, []string{"", "events.k8s.io"}, "events")
	leases := rule(all, []string{"coordination.k8s.io"}, "leases")
	return []rbacv1.ClusterRole{
		clusterRole("system:kube-scheduler", []rbacv1.PolicyRule{events, leases,
			rule(read, anyGroup, "*"),
			rule("create", core, "pods/binding", "bindings"),
			rule("update patch", core, "pods/status"),
			rule("delete", core, "pods"),
			rule("create", []string{"authorization.k8s.io", "authentication.k8s.io"}, "subjectaccessreviews", "tokenreviews")}),
		clusterRole("system:kube-controller-manager", []rbacv1.PolicyRule{rule("*", anyGroup, "*")}),
		clusterRole("system:node", []rbacv1.PolicyRule{events, leases,
			rule(read, core, "pods", "nodes", "services", "endpoints", "configmaps", "secrets", "persistentvolumeclaims",
				"persistentvolumes", "namespaces", "serviceaccounts"),
			rule("create update patch delete", core, "nodes", "nodes/status", "pods", "pods/status", "pods/eviction"),
			rule("create", core, "serviceaccounts/token"),
			rule(read, []string{"storage.k8s.io"}, "storageclasses", "csidrivers", "volumeattachments"),
			rule(read, []string{"node.k8s.io"}, "runtimeclasses")}),
		clusterRole("system:node-proxier", []rbacv1.PolicyRule{events,
			rule(read, core, "services", "endpoints", "nodes"),
			rule(read, []string{"discovery.k8s.io"}, "endpointslices")}),
	}
}

// DefaultClusterRoleBindings give the default roles to their users.
func DefaultClusterRoleBindings() []rbacv1.ClusterRoleBinding {
	return []rbacv1.ClusterRoleBinding{
		clusterBinding("cluster-admin", rbacv1.GroupKind, MastersGroup),
		clusterBinding("system:discovery", rbacv1.GroupKind, "system:authenticated"),
		clusterBinding("system:basic-user", rbacv1.GroupKind, "system:authenticated"),
		clusterBinding("system:public-info-viewer", rbacv1.GroupKind, "system:authenticated", "system:unauthenticated"),
		clusterBinding("system:kube-scheduler", rbacv1.UserKind, "system:kube-scheduler"),
		clusterBinding("system:kube-controller-manager", rbacv1.UserKind, "system:kube-controller-manager"),
		clusterBinding("system:node", rbacv1.GroupKind, "system:nodes"),
		clusterBinding("system:node-proxier", rbacv1.UserKind, "system:kube-proxy"),
	}
}

var bootstrapMeta = map[string]string{"rbac.authorization.kubernetes.io/autoupdate": "true"}

func clusterRole(name string, rules []rbacv1.PolicyRule) rbacv1.ClusterRole {
	return rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: bootstrapMeta,
		Labels: map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"}}, Rules: rules}
}

func clusterBinding(role, kind string, names ...string) rbacv1.ClusterRoleBinding {
	b := rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: role, Annotations: bootstrapMeta,
		Labels: map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"}},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}}
	for _, n := range names {
		b.Subjects = append(b.Subjects, rbacv1.Subject{Kind: kind, APIGroup: rbacv1.GroupName, Name: n})
	}
	return b
}

// Bootstrap creates the default roles and bindings that are missing. An
// existing one is left alone unless its autoupdate annotation is "true",
// then its rules (or subjects) are reset to the defaults.
func Bootstrap(ctx context.Context, c kubernetes.Interface) error {
	api := c.RbacV1()
	for _, r := range DefaultClusterRoles() {
		cur, err := api.ClusterRoles().Get(ctx, r.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = api.ClusterRoles().Create(ctx, &r, metav1.CreateOptions{})
		case err == nil && cur.Annotations["rbac.authorization.kubernetes.io/autoupdate"] == "true" &&
			!equality.Semantic.DeepEqual(cur.Rules, r.Rules):
			cur.Rules = r.Rules
			_, err = api.ClusterRoles().Update(ctx, cur, metav1.UpdateOptions{})
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("bootstrap clusterrole %s: %w", r.Name, err)
		}
	}
	for _, b := range DefaultClusterRoleBindings() {
		_, err := api.ClusterRoleBindings().Create(ctx, &b, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("bootstrap clusterrolebinding %s: %w", b.Name, err)
		}
	}
	return nil
}
