package apiserver

import (
	"context"
	"net/http"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The request pipeline, in order:
//
//	HTTP handler -> authentication -> authorization -> mutating admission
//	-> schema validation -> validating admission -> store
//
// Each stage is an interface defined here, on the consumer side; the
// concrete stages (x509 and token authentication in lab 10, RBAC and
// admission plugins in lab 11) live in later packages and are wired
// together by cmd/skiff. The defaults admit everything.

// User is who made a request.
type User struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// Authenticator tells who sent a request. ok is false when the request
// carries no credentials this authenticator understands.
type Authenticator interface {
	Authenticate(r *http.Request) (u *User, ok bool, err error)
}

// Attributes describe a request for authorization: who does what to which
// object.
type Attributes struct {
	User            *User
	Verb            string // get list watch create update patch delete deletecollection
	ResourceRequest bool   // false for non-resource paths like /healthz
	Path            string
	APIGroup        string
	APIVersion      string
	Namespace       string
	Resource        string
	Subresource     string
	Name            string
}

// RulesReviewer is an Authorizer that can also list everything a user may
// do in a namespace (SelfSubjectRulesReview, kubectl auth can-i --list).
type RulesReviewer interface {
	SubjectRulesReview(ctx context.Context, u *User, namespace string) authorizationv1.SubjectRulesReviewStatus
}

// Authorizer decides whether a request may proceed.
type Authorizer interface {
	Authorize(ctx context.Context, a Attributes) (allowed bool, reason string, err error)
}

// AdmissionRequest is one write as admission sees it. Mutating admission
// may change Object.
type AdmissionRequest struct {
	Attributes
	Operation string // CREATE, UPDATE, DELETE
	Object    runtime.Object
	OldObject runtime.Object
	DryRun    bool
}

// MutatingAdmission may change an object before it is validated.
type MutatingAdmission interface {
	Admit(ctx context.Context, req *AdmissionRequest) error
}

// ValidatingAdmission may reject a validated object before it is stored.
type ValidatingAdmission interface {
	Validate(ctx context.Context, req *AdmissionRequest) error
}

// RateLimiter decides whether a request may run now (lab 11's
// max-in-flight and per-user limits). A refused request gets 429 with
// Retry-After.
type RateLimiter interface {
	// Admit is called when a request starts; done, if ok, when it ends.
	Admit(r *http.Request, u *User) (ok bool, retryAfter time.Duration, done func())
}

// allowAll is the default for every stage: everyone is an administrator,
// every request is allowed, admission changes nothing.
type allowAll struct{}

// Admin is the user the default authenticator reports.
var Admin = &User{Name: "system:admin", Groups: []string{"system:masters", "system:authenticated"}}

func (allowAll) Authenticate(*http.Request) (*User, bool, error) { return Admin, true, nil }
func (allowAll) Authorize(context.Context, Attributes) (bool, string, error) {
	return true, "", nil
}
func (allowAll) Admit(context.Context, *AdmissionRequest) error    { return nil }
func (allowAll) Validate(context.Context, *AdmissionRequest) error { return nil }

type userKey struct{}

// UserFrom returns the authenticated user of a request context.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

func withUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}
