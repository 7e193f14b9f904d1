package apiserver

import (
	"net/http"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// serveReview answers the review resources (kubectl auth can-i, auth
// whoami): they are questions to the pipeline, never stored.
func (s *Server) serveReview(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := negotiate(r)
	if err != nil {
		return err
	}
	obj, _, err := decodeBody(r, req.res.gvk())
	if err != nil {
		return err
	}
	me := UserFrom(r.Context())
	var out runtime.Object
	switch v := obj.(type) {
	case *authorizationv1.SelfSubjectAccessReview:
		v.Status = s.review(r, me, v.Spec.ResourceAttributes, v.Spec.NonResourceAttributes)
		out = v
	case *authorizationv1.SubjectAccessReview:
		u := &User{Name: v.Spec.User, UID: v.Spec.UID, Groups: v.Spec.Groups}
		v.Status = s.review(r, u, v.Spec.ResourceAttributes, v.Spec.NonResourceAttributes)
		out = v
	case *authorizationv1.SelfSubjectRulesReview:
		v.Status = s.rules(r, me, v.Spec.Namespace)
		out = v
	case *authenticationv1.SelfSubjectReview:
		if me != nil {
			v.Status.UserInfo = authenticationv1.UserInfo{Username: me.Name, UID: me.UID, Groups: me.Groups}
		}
		out = v
	default:
		return apierrors.NewMethodNotSupported(req.res.gr(), req.verb)
	}
	out.GetObjectKind().SetGroupVersionKind(req.res.gvk())
	writeObject(w, http.StatusCreated, o, out)
	return nil
}

func (s *Server) review(r *http.Request, u *User, ra *authorizationv1.ResourceAttributes, nra *authorizationv1.NonResourceAttributes) authorizationv1.SubjectAccessReviewStatus {
	a := Attributes{User: u}
	switch {
	case ra != nil:
		a.ResourceRequest, a.Verb, a.APIGroup, a.APIVersion = true, ra.Verb, ra.Group, ra.Version
		a.Namespace, a.Resource, a.Subresource, a.Name = ra.Namespace, ra.Resource, ra.Subresource, ra.Name
	case nra != nil:
		a.Verb, a.Path = nra.Verb, nra.Path
	}
	ok, reason, err := s.cfg.Authorizer.Authorize(r.Context(), a)
	st := authorizationv1.SubjectAccessReviewStatus{Allowed: ok, Reason: reason}
	if err != nil {
		st.EvaluationError = err.Error()
	}
	st.Denied = !ok && err == nil && reason != ""
	return st
}

// rules lists what the user may do: everything if the authorizer lets
// them do anything anywhere, otherwise the review is incomplete (the
// Authorizer interface answers single questions only).
func (s *Server) rules(r *http.Request, u *User, ns string) authorizationv1.SubjectRulesReviewStatus {
	if rr, ok := s.cfg.Authorizer.(RulesReviewer); ok {
		return rr.SubjectRulesReview(r.Context(), u, ns)
	}
	a := Attributes{User: u, ResourceRequest: true, Verb: "*", APIGroup: "*", Resource: "*", Namespace: ns}
	if ok, _, _ := s.cfg.Authorizer.Authorize(r.Context(), a); ok {
		return authorizationv1.SubjectRulesReviewStatus{
			ResourceRules:    []authorizationv1.ResourceRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}},
			NonResourceRules: []authorizationv1.NonResourceRule{{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}},
		}
	}
	return authorizationv1.SubjectRulesReviewStatus{Incomplete: true, EvaluationError: "the authorizer answers single requests only"}
}
