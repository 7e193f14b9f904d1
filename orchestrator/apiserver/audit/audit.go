package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// Event is one line of the audit log.
type Event struct {
	Time        time.Time `json:"time"`
	Stage       string    `json:"stage"`    // authentication, ratelimit, authorization, admission
	Decision    string    `json:"decision"` // allow, deny
	User        string    `json:"user,omitempty"`
	Groups      []string  `json:"groups,omitempty"`
	Verb        string    `json:"verb,omitempty"`
	Method      string    `json:"method,omitempty"`
	Path        string    `json:"path,omitempty"`
	Namespace   string    `json:"namespace,omitempty"`
	APIGroup    string    `json:"apiGroup,omitempty"`
	Resource    string    `json:"resource,omitempty"`
	Subresource string    `json:"subresource,omitempty"`
	Name        string    `json:"name,omitempty"`
	Operation   string    `json:"operation,omitempty"`
	SourceIP    string    `json:"sourceIP,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}

// Log writes events as JSON lines.
type Log struct {
	mu  sync.Mutex
	w   io.Writer
	enc *json.Encoder
	Now func() time.Time
}

// New writes to w.
func New(w io.Writer) *Log { return &Log{w: w, enc: json.NewEncoder(w), Now: time.Now} }

// Open appends to the file at path, creating it (mode 0600: it names
// users and what they did).
func Open(path string) (*Log, io.Closer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open audit log: %w", err)
	}
	return New(f), f, nil
}

// Record writes one event; a failed write is dropped (the request it
// describes has been decided already).
func (l *Log) Record(e Event) {
	e.Time = l.Now().UTC()
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.enc.Encode(e)
}

// Wrap puts auditing around every stage of cfg.
func Wrap(cfg *apiserver.Config, l *Log) {
	cfg.Authenticator = authn{cfg.Authenticator, l}
	if cfg.Authorizer != nil {
		cfg.Authorizer = authz{cfg.Authorizer, l}
	}
	if cfg.RateLimiter != nil {
		cfg.RateLimiter = limiter{cfg.RateLimiter, l}
	}
	for i, m := range cfg.Mutating {
		cfg.Mutating[i] = mutating{m, l}
	}
	for i, v := range cfg.Validating {
		cfg.Validating[i] = validating{v, l}
	}
}

func requestEvent(stage string, r *http.Request) Event {
	return Event{Stage: stage, Method: r.Method, Path: r.URL.Path, SourceIP: r.RemoteAddr}
}

func (e *Event) setUser(u *apiserver.User) {
	if u != nil {
		e.User, e.Groups = u.Name, u.Groups
	}
}

func attrEvent(stage string, a apiserver.Attributes) Event {
	e := Event{Stage: stage, Verb: a.Verb, Path: a.Path, Namespace: a.Namespace, APIGroup: a.APIGroup,
		Resource: a.Resource, Subresource: a.Subresource, Name: a.Name}
	e.setUser(a.User)
	return e
}

type authn struct {
	next apiserver.Authenticator
	log  *Log
}

func (a authn) Authenticate(r *http.Request) (*apiserver.User, bool, error) {
	u, ok, err := a.next.Authenticate(r)
	if err != nil || !ok {
		e := requestEvent("authentication", r)
		e.Decision, e.Reason = "deny", "no credentials"
		if err != nil {
			e.Reason = err.Error()
		}
		a.log.Record(e)
	}
	return u, ok, err
}

type authz struct {
	next apiserver.Authorizer
	log  *Log
}

func (a authz) Authorize(ctx context.Context, at apiserver.Attributes) (bool, string, error) {
	ok, reason, err := a.next.Authorize(ctx, at)
	e := attrEvent("authorization", at)
	e.Decision, e.Reason = decision(ok), reason
	if err != nil {
		e.Reason = err.Error()
	}
	a.log.Record(e)
	return ok, reason, err
}

// rulesReviewer is what an authorizer that can list a user's rules
// offers (SelfSubjectRulesReview); the wrapper keeps it visible.
type rulesReviewer interface {
	SubjectRulesReview(ctx context.Context, u *apiserver.User, namespace string) authorizationv1.SubjectRulesReviewStatus
}

// SubjectRulesReview forwards to the wrapped authorizer.
func (a authz) SubjectRulesReview(ctx context.Context, u *apiserver.User, namespace string) authorizationv1.SubjectRulesReviewStatus {
	if rr, ok := a.next.(rulesReviewer); ok {
		return rr.SubjectRulesReview(ctx, u, namespace)
	}
	return authorizationv1.SubjectRulesReviewStatus{Incomplete: true, EvaluationError: "the authorizer answers single requests only"}
}

type limiter struct {
	next apiserver.RateLimiter
	log  *Log
}

func (l limiter) Admit(r *http.Request, u *apiserver.User) (bool, time.Duration, func()) {
	ok, retry, done := l.next.Admit(r, u)
	if !ok {
		e := requestEvent("ratelimit", r)
		e.setUser(u)
		e.Decision, e.Reason = "deny", fmt.Sprintf("too many requests in flight; retry after %s", retry)
		l.log.Record(e)
	}
	return ok, retry, done
}

type mutating struct {
	next apiserver.MutatingAdmission
	log  *Log
}

func (m mutating) Admit(ctx context.Context, req *apiserver.AdmissionRequest) error {
	return admissionEvent(m.log, req, m.next.Admit(ctx, req))
}

type validating struct {
	next apiserver.ValidatingAdmission
	log  *Log
}

func (v validating) Validate(ctx context.Context, req *apiserver.AdmissionRequest) error {
	return admissionEvent(v.log, req, v.next.Validate(ctx, req))
}

// admissionEvent records a refusal; admission that lets a write through
// is not an event (authorization already recorded the request).
func admissionEvent(l *Log, req *apiserver.AdmissionRequest, err error) error {
	if err != nil {
		e := attrEvent("admission", req.Attributes)
		e.Operation, e.Decision, e.Reason = req.Operation, "deny", err.Error()
		l.Record(e)
	}
	return err
}

func decision(ok bool) string {
	if ok {
		return "allow"
	}
	return "deny"
}
