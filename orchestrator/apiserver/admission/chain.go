package admission

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// Plugin is one admission plugin: it mutates, validates, or both.
type Plugin struct {
	Name     string
	Mutate   func(ctx context.Context, req *apiserver.AdmissionRequest) error
	Validate func(ctx context.Context, req *apiserver.AdmissionRequest) error
}

// Order is the order plugins run in (kube-apiserver's), and the default
// set: all of them.
var Order = []string{"NamespaceLifecycle", "LimitRanger", "ServiceAccount", "DefaultTolerationSeconds",
	"Priority", "ResourceQuota"}

// plugins builds every plugin over client.
func plugins(c kubernetes.Interface) map[string]Plugin {
	q := &quota{client: c}
	return map[string]Plugin{
		"NamespaceLifecycle":       {Validate: (&namespaceLifecycle{client: c}).validate},
		"LimitRanger":              {Mutate: (&limitRanger{client: c}).mutate, Validate: (&limitRanger{client: c}).validate},
		"ServiceAccount":           {Mutate: (&serviceAccount{client: c}).mutate},
		"DefaultTolerationSeconds": {Mutate: defaultTolerationSeconds},
		"Priority":                 {Mutate: (&priority{client: c}).mutate, Validate: (&priority{client: c}).validate},
		"ResourceQuota":            {Validate: q.validate},
	}
}

// Enabled is the plugin list after --enable-admission-plugins and
// --disable-admission-plugins; an unknown name is an error.
func Enabled(enable, disable []string) ([]string, error) {
	for _, n := range append(append([]string{}, enable...), disable...) {
		if !slices.Contains(Order, n) {
			return nil, fmt.Errorf("admission plugin %q: unknown; the plugins are %s", n, strings.Join(Order, ", "))
		}
	}
	var out []string
	for _, n := range Order {
		if !slices.Contains(disable, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Chain returns the named plugins as the server's mutating and
// validating stages, in Order.
func Chain(c kubernetes.Interface, names []string, log *slog.Logger) ([]apiserver.MutatingAdmission, []apiserver.ValidatingAdmission) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	all := plugins(c)
	var mut []apiserver.MutatingAdmission
	var val []apiserver.ValidatingAdmission
	for _, n := range Order {
		p := all[n]
		if !slices.Contains(names, n) {
			continue
		}
		if p.Mutate != nil {
			mut = append(mut, logged{n, "mutate", p.Mutate, log})
		}
		if p.Validate != nil {
			val = append(val, logged{n, "validate", p.Validate, log})
		}
	}
	return mut, val
}

// logged runs one plugin phase and logs its decision.
type logged struct {
	name, phase string
	f           func(context.Context, *apiserver.AdmissionRequest) error
	log         *slog.Logger
}

func (l logged) Admit(ctx context.Context, req *apiserver.AdmissionRequest) error {
	return l.run(ctx, req)
}
func (l logged) Validate(ctx context.Context, req *apiserver.AdmissionRequest) error {
	return l.run(ctx, req)
}

func (l logged) run(ctx context.Context, req *apiserver.AdmissionRequest) error {
	err := l.f(ctx, req)
	if req.Resource == "" {
		return err // the server's own writes (start-up objects) carry no request
	}
	l.log.Debug("admission: "+l.name, "phase", l.phase, "operation", req.Operation, "resource", req.Resource,
		"subresource", req.Subresource, "namespace", req.Namespace, "name", objectName(req), "allowed", err == nil, "err", err)
	return err
}

// objectName is the name of the object written: a create's URL has none.
func objectName(req *apiserver.AdmissionRequest) string {
	if req.Name != "" {
		return req.Name
	}
	for _, o := range []runtime.Object{req.Object, req.OldObject} {
		if m, ok := o.(metav1.Object); ok && m != nil {
			return m.GetName()
		}
	}
	return ""
}
