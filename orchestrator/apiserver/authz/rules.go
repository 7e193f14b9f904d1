package authz

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// ruleAllows reports whether rule r covers the request a.
func ruleAllows(r rbacv1.PolicyRule, a apiserver.Attributes) bool {
	if !matches(r.Verbs, a.Verb) {
		return false
	}
	if !a.ResourceRequest {
		return nonResourceMatches(r.NonResourceURLs, a.Path)
	}
	return matches(r.APIGroups, a.APIGroup) && resourceMatches(r.Resources, a.Resource, a.Subresource) &&
		(len(r.ResourceNames) == 0 || contains(r.ResourceNames, a.Name) && a.Name != "")
}

// matches: the list holds the value or "*".
func matches(list []string, v string) bool {
	for _, x := range list {
		if x == "*" || x == v {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// resourceMatches handles "pods", "pods/log", "*", "*/scale" and
// "pods/*".
func resourceMatches(list []string, resource, sub string) bool {
	want := resource
	if sub != "" {
		want = resource + "/" + sub
	}
	for _, x := range list {
		switch {
		case x == "*" || x == want:
			return true
		case sub != "" && x == "*/"+sub, sub != "" && x == resource+"/*":
			return true
		}
	}
	return false
}

// nonResourceMatches: an exact path, "*", or a prefix ending in "*".
func nonResourceMatches(list []string, path string) bool {
	for _, x := range list {
		if x == "*" || x == path || strings.HasSuffix(x, "*") && strings.HasPrefix(path, strings.TrimSuffix(x, "*")) {
			return true
		}
	}
	return false
}

// subjectMatches: the user is the subject, or in its group, or the
// service account it names (namespace defaulting to the binding's).
func subjectMatches(s rbacv1.Subject, u *apiserver.User, bindingNS string) bool {
	switch s.Kind {
	case rbacv1.UserKind:
		return s.Name == u.Name
	case rbacv1.GroupKind:
		return contains(u.Groups, s.Name)
	case rbacv1.ServiceAccountKind:
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		return u.Name == "system:serviceaccount:"+ns+":"+s.Name
	}
	return false
}
