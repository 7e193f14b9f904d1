package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

type denyAll struct{}

func (denyAll) Authenticate(*http.Request) (*apiserver.User, bool, error) {
	return nil, false, errors.New("invalid bearer token")
}
func (denyAll) Authorize(context.Context, apiserver.Attributes) (bool, string, error) {
	return false, "no binding", nil
}
func (denyAll) Admit(*http.Request, *apiserver.User) (bool, time.Duration, func()) {
	return false, time.Second, nil
}
func (denyAll) Validate(context.Context, *apiserver.AdmissionRequest) error {
	return errors.New("exceeded quota: q")
}

func TestWrap(t *testing.T) {
	var buf bytes.Buffer
	cfg := apiserver.Config{Authenticator: denyAll{}, Authorizer: denyAll{}, RateLimiter: denyAll{},
		Validating: []apiserver.ValidatingAdmission{denyAll{}}}
	Wrap(&cfg, New(&buf))
	r := httptest.NewRequest("GET", "/api/v1/pods", nil)
	cfg.Authenticator.Authenticate(r)
	bob := &apiserver.User{Name: "bob"}
	cfg.RateLimiter.Admit(r, bob)
	a := apiserver.Attributes{User: bob, Verb: "list", ResourceRequest: true, Resource: "pods", Namespace: "default"}
	cfg.Authorizer.Authorize(context.Background(), a)
	cfg.Validating[0].Validate(context.Background(), &apiserver.AdmissionRequest{Attributes: a, Operation: "CREATE"})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []struct{ stage, user, reason string }{
		{"authentication", "", "invalid bearer token"},
		{"ratelimit", "bob", "too many requests"},
		{"authorization", "bob", "no binding"},
		{"admission", "bob", "exceeded quota"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		var e Event
		if err := json.Unmarshal([]byte(lines[i]), &e); err != nil {
			t.Fatal(err)
		}
		if e.Stage != w.stage || e.User != w.user || e.Decision != "deny" || !strings.Contains(e.Reason, w.reason) {
			t.Errorf("line %d: %+v, want %+v", i, e, w)
		}
	}
}
