package authz

import (
	"context"
	"fmt"
	"log/slog"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	rbaclisters "k8s.io/client-go/listers/rbac/v1"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// MastersGroup may do anything, whatever RBAC says (the admin kubeconfig
// is in it).
const MastersGroup = "system:masters"

// RBAC authorizes requests with the Roles and bindings of the API.
type RBAC struct {
	Roles               rbaclisters.RoleLister
	RoleBindings        rbaclisters.RoleBindingLister
	ClusterRoles        rbaclisters.ClusterRoleLister
	ClusterRoleBindings rbaclisters.ClusterRoleBindingLister
	// Synced reports whether the listers are filled; until then only
	// system:masters is allowed.
	Synced func() bool
	Log    *slog.Logger
}

// binding is a RoleBinding or ClusterRoleBinding, as the evaluator needs
// it.
type binding struct {
	kind, namespace, name string
	subjects              []rbacv1.Subject
	ref                   rbacv1.RoleRef
}

// Authorize implements apiserver.Authorizer.
func (z *RBAC) Authorize(_ context.Context, a apiserver.Attributes) (bool, string, error) {
	ok, reason := z.decide(a)
	z.log().Debug("authz: rbac", "allowed", ok, "user", userName(a.User), "verb", a.Verb,
		"resource", a.Resource, "subresource", a.Subresource, "namespace", a.Namespace, "path", a.Path, "reason", reason)
	return ok, reason, nil
}

func (z *RBAC) decide(a apiserver.Attributes) (bool, string) {
	switch {
	case a.User == nil:
		return false, "no user"
	case contains(a.User.Groups, MastersGroup):
		return true, "member of " + MastersGroup
	case z.Synced != nil && !z.Synced():
		return false, "RBAC: the role caches are not synced yet"
	}
	var problems []string
	for _, b := range z.bindings(a.User, a.Namespace) {
		rules, err := z.rulesOf(b.ref, b.namespace)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s %q: %v", b.kind, b.name, err))
			continue
		}
		for _, r := range rules {
			if ruleAllows(r, a) {
				return true, fmt.Sprintf("RBAC: allowed by %s %q of %s %q", b.kind, b.name, b.ref.Kind, b.ref.Name)
			}
		}
	}
	if len(problems) > 0 {
		return false, "RBAC: " + joinProblems(problems)
	}
	return false, ""
}

// bindings are the bindings that name the user: every matching
// ClusterRoleBinding, and the RoleBindings of namespace.
func (z *RBAC) bindings(u *apiserver.User, namespace string) []binding {
	var out []binding
	crbs, _ := z.ClusterRoleBindings.List(labels.Everything())
	for _, c := range crbs {
		if anySubject(c.Subjects, u, "") {
			out = append(out, binding{"ClusterRoleBinding", "", c.Name, c.Subjects, c.RoleRef})
		}
	}
	if namespace == "" {
		return out
	}
	rbs, _ := z.RoleBindings.RoleBindings(namespace).List(labels.Everything())
	for _, r := range rbs {
		if anySubject(r.Subjects, u, namespace) {
			out = append(out, binding{"RoleBinding", namespace, r.Name, r.Subjects, r.RoleRef})
		}
	}
	return out
}

func anySubject(subjects []rbacv1.Subject, u *apiserver.User, ns string) bool {
	for _, s := range subjects {
		if subjectMatches(s, u, ns) {
			return true
		}
	}
	return false
}

// rulesOf resolves a role reference; a RoleBinding's Role is in the
// binding's namespace.
func (z *RBAC) rulesOf(ref rbacv1.RoleRef, namespace string) ([]rbacv1.PolicyRule, error) {
	switch ref.Kind {
	case "Role":
		r, err := z.Roles.Roles(namespace).Get(ref.Name)
		if err != nil {
			return nil, fmt.Errorf("references missing Role %s/%s", namespace, ref.Name)
		}
		return r.Rules, nil
	case "ClusterRole":
		cr, err := z.ClusterRoles.Get(ref.Name)
		if err != nil {
			return nil, fmt.Errorf("references missing ClusterRole %q", ref.Name)
		}
		return z.clusterRoleRules(cr), nil
	}
	return nil, fmt.Errorf("roleRef.kind %q: want Role or ClusterRole", ref.Kind)
}

// clusterRoleRules adds, for an aggregated ClusterRole, the rules of
// every ClusterRole its selectors match.
func (z *RBAC) clusterRoleRules(cr *rbacv1.ClusterRole) []rbacv1.PolicyRule {
	rules := cr.Rules
	if cr.AggregationRule == nil {
		return rules
	}
	for _, ls := range cr.AggregationRule.ClusterRoleSelectors {
		sel, err := metav1.LabelSelectorAsSelector(&ls)
		if err != nil {
			continue
		}
		crs, _ := z.ClusterRoles.List(sel)
		for _, c := range crs {
			if c.Name != cr.Name && c.AggregationRule == nil {
				rules = append(rules, c.Rules...)
			}
		}
	}
	return rules
}

// RulesFor lists what u may do in namespace (SelfSubjectRulesReview,
// `kubectl auth can-i --list`); problems name bindings whose role is
// missing.
func (z *RBAC) RulesFor(u *apiserver.User, namespace string) (rules []rbacv1.PolicyRule, problems []string) {
	if contains(u.Groups, MastersGroup) {
		return []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}},
			{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}}, nil
	}
	for _, b := range z.bindings(u, namespace) {
		r, err := z.rulesOf(b.ref, b.namespace)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s %q: %v", b.kind, b.name, err))
		}
		rules = append(rules, r...)
	}
	return rules, problems
}

func (z *RBAC) log() *slog.Logger {
	if z.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return z.Log
}

func userName(u *apiserver.User) string {
	if u == nil {
		return ""
	}
	return u.Name
}

func joinProblems(p []string) string {
	out := p[0]
	for _, s := range p[1:] {
		out += "; " + s
	}
	return out
}
