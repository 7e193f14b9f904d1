package authz

import (
	"fmt"
	"net/http"
	"net/textproto"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// The headers kubectl --as / --as-group / --as-uid send.
const (
	headerUser       = "Impersonate-User"
	headerGroup      = "Impersonate-Group"
	headerUID        = "Impersonate-Uid"
	headerExtraPrefx = "Impersonate-Extra-"
)

// Impersonation wraps the authenticator: a request with Impersonate-*
// headers acts as the user they name, if the real user may "impersonate"
// that user (resource users, or serviceaccounts), each group (groups),
// the uid (uids) and each extra (userextras/KEY).
type Impersonation struct {
	Authenticator apiserver.Authenticator
	Authorizer    apiserver.Authorizer
}

// Authenticate implements apiserver.Authenticator.
func (im *Impersonation) Authenticate(r *http.Request) (*apiserver.User, bool, error) {
	real, ok, err := im.Authenticator.Authenticate(r)
	if !ok || err != nil {
		return real, ok, err
	}
	want, asked, err := requested(r.Header)
	if err != nil || !asked {
		return real, err == nil, err
	}
	for _, a := range checks(want) {
		a.User, a.Verb = real, "impersonate"
		allowed, reason, err := im.Authorizer.Authorize(r.Context(), a)
		if err != nil {
			return nil, false, fmt.Errorf("authorize impersonation: %w", err)
		}
		if !allowed {
			return nil, false, forbidden(real, a, reason)
		}
	}
	return want, true, nil
}

// requested reads the headers into the user they ask for.
func requested(h http.Header) (*apiserver.User, bool, error) {
	name := h.Get(headerUser)
	groups := h.Values(headerGroup)
	uid := h.Get(headerUID)
	extra := map[string][]string{}
	for k, v := range h {
		if strings.HasPrefix(k, headerExtraPrefx) {
			extra[strings.ToLower(strings.TrimPrefix(k, textproto.CanonicalMIMEHeaderKey(headerExtraPrefx)))] = v
		}
	}
	if name == "" && (len(groups) > 0 || uid != "" || len(extra) > 0) {
		return nil, false, apierrors.NewBadRequest("impersonating groups, a uid or extras needs " + headerUser)
	}
	if name == "" {
		return nil, false, nil
	}
	u := &apiserver.User{Name: name, UID: uid, Groups: groups}
	if len(extra) > 0 {
		u.Extra = extra
	}
	if ns, _, ok := serviceAccount(name); ok && len(groups) == 0 {
		u.Groups = []string{"system:serviceaccounts", "system:serviceaccounts:" + ns}
	}
	if name != "system:anonymous" && !contains(u.Groups, "system:authenticated") {
		u.Groups = append(u.Groups, "system:authenticated")
	}
	return u, true, nil
}

// checks are the authorization questions impersonating u asks.
func checks(u *apiserver.User) []apiserver.Attributes {
	var out []apiserver.Attributes
	if ns, sa, ok := serviceAccount(u.Name); ok {
		out = append(out, apiserver.Attributes{ResourceRequest: true, Resource: "serviceaccounts", Namespace: ns, Name: sa})
	} else {
		out = append(out, apiserver.Attributes{ResourceRequest: true, Resource: "users", Name: u.Name})
	}
	for _, g := range u.Groups {
		if g != "system:authenticated" {
			out = append(out, apiserver.Attributes{ResourceRequest: true, Resource: "groups", Name: g})
		}
	}
	if u.UID != "" {
		out = append(out, apiserver.Attributes{ResourceRequest: true, APIGroup: "authentication.k8s.io", Resource: "uids", Name: u.UID})
	}
	for k, vs := range u.Extra {
		for _, v := range vs {
			out = append(out, apiserver.Attributes{ResourceRequest: true, APIGroup: "authentication.k8s.io",
				Resource: "userextras", Subresource: k, Name: v})
		}
	}
	return out
}

func serviceAccount(name string) (ns, sa string, ok bool) {
	rest, ok := strings.CutPrefix(name, "system:serviceaccount:")
	if !ok {
		return "", "", false
	}
	ns, sa, ok = strings.Cut(rest, ":")
	return ns, sa, ok && ns != "" && sa != ""
}

// forbidden is the 403 of a refused impersonation, in Kubernetes' words.
func forbidden(real *apiserver.User, a apiserver.Attributes, reason string) error {
	msg := fmt.Sprintf("User %q cannot impersonate resource %q in API group %q", real.Name, a.Resource, a.APIGroup)
	if a.Namespace != "" {
		msg += fmt.Sprintf(" in the namespace %q", a.Namespace)
	} else {
		msg += " at the cluster scope"
	}
	if reason != "" {
		msg += ": " + reason
	}
	return apierrors.NewForbidden(schema.GroupResource{Group: a.APIGroup, Resource: a.Resource}, a.Name, fmt.Errorf("%s", msg))
}
