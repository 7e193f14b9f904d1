package apiserver

import (
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// resource describes one served resource: everything the generic handlers
// need to store, list, discover and print it. The whole API surface is the
// table below; per-kind behaviour lives in strategies (strategy.go).
type resource struct {
	group, version string
	name           string // plural, as in URLs: "pods"
	kind           string
	singular       string
	namespaced     bool
	shortNames     []string
	categories     []string
	status         bool   // has a status subresource
	scale          bool   // has a scale subresource
	storage        string // etcd key segment; defaults to name
	verbs          []string
	nameFn         validation.ValidateNameFunc
	view           *view // served version differs from the stored one (conversion.go)
}

var (
	allVerbs    = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	createOnly  = []string{"create"}
	dnsLabel    = validation.NameIsDNSLabel
	dnsSubdom   = validation.NameIsDNSSubdomain
	pathSegment = func(name string, prefix bool) []string { return nil }
	all         = []string{"all"}
)

// resources is the table of everything the server serves.
var resources = []*resource{
	// core/v1
	{name: "namespaces", kind: "Namespace", shortNames: []string{"ns"}, status: true, nameFn: dnsLabel},
	{name: "nodes", kind: "Node", shortNames: []string{"no"}, status: true},
	{name: "pods", kind: "Pod", namespaced: true, shortNames: []string{"po"}, categories: all, status: true},
	{name: "services", kind: "Service", namespaced: true, shortNames: []string{"svc"}, categories: all, status: true, nameFn: validation.NameIsDNS1035Label},
	{name: "endpoints", kind: "Endpoints", namespaced: true, shortNames: []string{"ep"}},
	{name: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: []string{"cm"}},
	{name: "secrets", kind: "Secret", namespaced: true},
	{name: "serviceaccounts", kind: "ServiceAccount", namespaced: true, shortNames: []string{"sa"}},
	{name: "events", kind: "Event", namespaced: true, shortNames: []string{"ev"}},
	{name: "persistentvolumes", kind: "PersistentVolume", shortNames: []string{"pv"}, status: true},
	{name: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true, shortNames: []string{"pvc"}, status: true},
	{name: "limitranges", kind: "LimitRange", namespaced: true, shortNames: []string{"limits"}},
	{name: "resourcequotas", kind: "ResourceQuota", namespaced: true, shortNames: []string{"quota"}, status: true},
	// apps/v1
	{group: "apps", name: "deployments", kind: "Deployment", namespaced: true, shortNames: []string{"deploy"}, categories: all, status: true, scale: true},
	{group: "apps", name: "replicasets", kind: "ReplicaSet", namespaced: true, shortNames: []string{"rs"}, categories: all, status: true, scale: true},
	{group: "apps", name: "daemonsets", kind: "DaemonSet", namespaced: true, shortNames: []string{"ds"}, categories: all, status: true},
	{group: "apps", name: "statefulsets", kind: "StatefulSet", namespaced: true, shortNames: []string{"sts"}, categories: all, status: true, scale: true},
	{group: "apps", name: "controllerrevisions", kind: "ControllerRevision", namespaced: true},
	// batch/v1
	{group: "batch", name: "jobs", kind: "Job", namespaced: true, categories: all, status: true},
	{group: "batch", name: "cronjobs", kind: "CronJob", namespaced: true, shortNames: []string{"cj"}, categories: all, status: true},
	// rbac.authorization.k8s.io/v1
	{group: "rbac.authorization.k8s.io", name: "roles", kind: "Role", namespaced: true, nameFn: pathSegment},
	{group: "rbac.authorization.k8s.io", name: "rolebindings", kind: "RoleBinding", namespaced: true, nameFn: pathSegment},
	{group: "rbac.authorization.k8s.io", name: "clusterroles", kind: "ClusterRole", nameFn: pathSegment},
	{group: "rbac.authorization.k8s.io", name: "clusterrolebindings", kind: "ClusterRoleBinding", nameFn: pathSegment},
	// scheduling, networking, storage, coordination, discovery, policy
	{group: "scheduling.k8s.io", name: "priorityclasses", kind: "PriorityClass", shortNames: []string{"pc"}},
	{group: "networking.k8s.io", name: "ingresses", kind: "Ingress", namespaced: true, shortNames: []string{"ing"}, status: true},
	{group: "networking.k8s.io", name: "ingressclasses", kind: "IngressClass"},
	{group: "networking.k8s.io", name: "networkpolicies", kind: "NetworkPolicy", namespaced: true, shortNames: []string{"netpol"}},
	{group: "storage.k8s.io", name: "storageclasses", kind: "StorageClass", shortNames: []string{"sc"}},
	{group: "coordination.k8s.io", name: "leases", kind: "Lease", namespaced: true},
	{group: "discovery.k8s.io", name: "endpointslices", kind: "EndpointSlice", namespaced: true},
	{group: "policy", name: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true, shortNames: []string{"pdb"}, status: true},
	// autoscaling: v2 is stored; v1 is a view of it (conversion.go)
	{group: "autoscaling", version: "v2", name: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true, shortNames: []string{"hpa"}, categories: all, status: true},
	{group: "autoscaling", version: "v1", name: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true, shortNames: []string{"hpa"}, categories: all, status: true, view: hpaView},
	// events.k8s.io/v1 is a view of core/v1 events (conversion.go)
	{group: "events.k8s.io", name: "events", kind: "Event", namespaced: true, shortNames: []string{"ev"}, view: eventsView},
	// reviews: answered by the authorizer / authenticator, never stored
	{group: "authorization.k8s.io", name: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview", verbs: createOnly},
	{group: "authorization.k8s.io", name: "selfsubjectrulesreviews", kind: "SelfSubjectRulesReview", verbs: createOnly},
	{group: "authorization.k8s.io", name: "subjectaccessreviews", kind: "SubjectAccessReview", verbs: createOnly},
	{group: "authentication.k8s.io", name: "selfsubjectreviews", kind: "SelfSubjectReview", verbs: createOnly},
}

// groupOrder is the order groups appear in discovery (preferred first).
var groupOrder = []string{"", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
	"autoscaling", "batch", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
	"storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io"}

func init() {
	for _, r := range resources {
		if r.version == "" {
			r.version = "v1"
		}
		if r.singular == "" {
			r.singular = lower(r.kind)
		}
		if r.storage == "" {
			r.storage = r.name
		}
		if r.verbs == nil {
			r.verbs = allVerbs
		}
		if r.nameFn == nil {
			r.nameFn = dnsSubdom
		}
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func (r *resource) gv() schema.GroupVersion {
	return schema.GroupVersion{Group: r.group, Version: r.version}
}
func (r *resource) gvk() schema.GroupVersionKind {
	return r.gv().WithKind(r.kind)
}
func (r *resource) gr() schema.GroupResource {
	return schema.GroupResource{Group: r.group, Resource: r.name}
}
func (r *resource) stored() bool { return len(r.verbs) > 1 }

// newObject returns an empty object of the resource's kind, typed.
func (r *resource) newObject() runtime.Object {
	obj, err := Scheme.New(r.gvk())
	if err != nil {
		panic(err) // the table names a kind the scheme lacks: a programming error
	}
	obj.GetObjectKind().SetGroupVersionKind(r.gvk())
	return obj
}

func (r *resource) newList() runtime.Object {
	obj, err := Scheme.New(r.gv().WithKind(r.kind + "List"))
	if err != nil {
		panic(err)
	}
	obj.GetObjectKind().SetGroupVersionKind(r.gv().WithKind(r.kind + "List"))
	return obj
}

// lookup finds the resource served at group/version/name.
func lookup(group, version, name string) *resource {
	for _, r := range resources {
		if r.group == group && r.version == version && r.name == name {
			return r
		}
	}
	return nil
}
