package authz

import (
	"context"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// SubjectRulesReview answers SelfSubjectRulesReview (`kubectl auth can-i
// --list`): every rule u holds in namespace, cluster-wide ones included.
// Bindings to missing roles make the answer incomplete, and say so.
func (z *RBAC) SubjectRulesReview(_ context.Context, u *apiserver.User, namespace string) authorizationv1.SubjectRulesReviewStatus {
	var st authorizationv1.SubjectRulesReviewStatus
	if u == nil {
		return st
	}
	if z.Synced != nil && !z.Synced() && !contains(u.Groups, MastersGroup) {
		st.Incomplete, st.EvaluationError = true, "RBAC: the role caches are not synced yet"
		return st
	}
	rules, problems := z.RulesFor(u, namespace)
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 {
			st.NonResourceRules = append(st.NonResourceRules, authorizationv1.NonResourceRule{Verbs: r.Verbs, NonResourceURLs: r.NonResourceURLs})
			continue
		}
		st.ResourceRules = append(st.ResourceRules, authorizationv1.ResourceRule{Verbs: r.Verbs, APIGroups: r.APIGroups,
			Resources: r.Resources, ResourceNames: r.ResourceNames})
	}
	if len(problems) > 0 {
		st.Incomplete, st.EvaluationError = true, strings.Join(problems, "; ")
	}
	return st
}
