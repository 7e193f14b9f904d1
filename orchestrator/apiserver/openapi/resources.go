package openapi

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// Resource is one REST resource of a group version, as the API server
// serves it.
type Resource struct {
	// Name is the plural resource name ("pods"), or parent/subresource
	// ("pods/status", "deployments/scale").
	Name string
	// Kind is the kind of Object ("Pod"; "Scale" for deployments/scale).
	Kind string
	// Namespaced is true for resources that live in a namespace.
	Namespaced bool
	// Verbs are the Kubernetes verbs served: get list create update patch
	// delete deletecollection watch. Subresources use get update patch.
	Verbs []string
	// Object is a prototype of the kind, e.g. &corev1.Pod{}.
	Object runtime.Object
	// List is a prototype of the list kind, e.g. &corev1.PodList{};
	// required when Verbs has "list" or "deletecollection".
	List runtime.Object
	// Group and Version of Kind, when they differ from the group version
	// serving the resource (deployments/scale in apps/v1 is an
	// autoscaling/v1 Scale; pods/eviction in v1 is a policy/v1 Eviction).
	// Empty means the serving group version.
	Group, Version string
}

// GroupVersionResources is what one group version serves. Group is ""
// for the core group (served under /api/v1).
type GroupVersionResources struct {
	Group     string
	Version   string
	Resources []Resource
}

// prefix is the URL path of the group version: /api/v1 or /apis/G/V.
func (gv GroupVersionResources) prefix() string {
	return "/" + gv.key()
}

// key names the group version in the /openapi/v3 discovery document.
func (gv GroupVersionResources) key() string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

var (
	dnsLabel  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	kindName  = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	knownVerb = []string{"get", "list", "create", "update", "patch", "delete", "deletecollection", "watch"}
)

// validate checks the input before anything is built.
func validate(groups []GroupVersionResources) error {
	if len(groups) == 0 {
		return fmt.Errorf("groups: %w: at least one group version is needed", ErrInvalid)
	}
	seen := map[string]bool{}
	for i, gv := range groups {
		where := fmt.Sprintf("groups[%d] (%s)", i, gv.key())
		if !dnsLabel.MatchString(gv.Version) {
			return fmt.Errorf("%s.Version %q: %w: want a version like v1 or v1beta1", where, gv.Version, ErrInvalid)
		}
		if seen[gv.key()] {
			return fmt.Errorf("%s: %w: group version listed twice", where, ErrInvalid)
		}
		seen[gv.key()] = true
		for j, r := range gv.Resources {
			if err := validateResource(r); err != nil {
				return fmt.Errorf("%s.Resources[%d]: %w", where, j, err)
			}
		}
	}
	return nil
}

func validateResource(r Resource) error {
	parent, sub, _ := strings.Cut(r.Name, "/")
	if !dnsLabel.MatchString(parent) || (sub != "" && !dnsLabel.MatchString(sub)) {
		return fmt.Errorf("Name %q: %w: want a lower-case plural like pods or pods/status", r.Name, ErrInvalid)
	}
	if !kindName.MatchString(r.Kind) {
		return fmt.Errorf("%s: Kind %q: %w: want a CamelCase kind like Pod", r.Name, r.Kind, ErrInvalid)
	}
	if r.Object == nil || reflect.TypeOf(r.Object).Kind() != reflect.Pointer {
		return fmt.Errorf("%s: Object: %w: want a pointer prototype like &corev1.Pod{}", r.Name, ErrInvalid)
	}
	for _, v := range r.Verbs {
		if !slices.Contains(knownVerb, v) {
			return fmt.Errorf("%s: verb %q: %w: allowed are %s", r.Name, v, ErrInvalid, strings.Join(knownVerb, " "))
		}
	}
	if (r.Group != "" || r.Version != "") && !dnsLabel.MatchString(r.Version) {
		return fmt.Errorf("%s: Version %q: %w: set Version whenever Group is set", r.Name, r.Version, ErrInvalid)
	}
	needsList := slices.Contains(r.Verbs, "list") || slices.Contains(r.Verbs, "deletecollection")
	if needsList && (r.List == nil || reflect.TypeOf(r.List).Kind() != reflect.Pointer) {
		return fmt.Errorf("%s: List: %w: verbs list/deletecollection need a list prototype like &corev1.PodList{}", r.Name, ErrInvalid)
	}
	return nil
}
