package openapi

import (
	"reflect"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// operation is one HTTP operation in a neutral form, rendered to v2 or v3.
type operation struct {
	id       string
	action   string // x-kubernetes-action
	desc     string
	tag      string
	params   []param
	body     string // definition name of the request body, if any
	patch    bool   // body is a patch: several content types
	response string // definition name of the 200 response
	created  bool   // also answers 201 and 202
	gvk      GVK
}

type param struct {
	name, in, typ, desc string
	required            bool
}

// paths maps a URL path to method (get, post, ...) to operation.
type paths map[string]map[string]*operation

func (p paths) add(path, method string, op *operation) {
	if p[path] == nil {
		p[path] = map[string]*operation{}
	}
	p[path][method] = op
}

// Parameters shared by many operations.
var (
	pPretty  = param{"pretty", "query", "string", "If 'true', the output is pretty printed.", false}
	pDryRun  = param{"dryRun", "query", "string", "When present (value All), the request is validated and admitted but not persisted.", false}
	pManager = param{"fieldManager", "query", "string", "Name of the actor making the change, recorded in managedFields.", false}
	pFieldV  = param{"fieldValidation", "query", "string", "How unknown or duplicate fields are handled: Ignore, Warn or Strict.", false}
	pForce   = param{"force", "query", "boolean", "Force an apply request, taking over fields owned by other managers.", false}
	pGrace   = param{"gracePeriodSeconds", "query", "integer", "Seconds before the object is deleted; zero deletes immediately.", false}
	pPolicy  = param{"propagationPolicy", "query", "string", "Whether and how dependents are garbage collected: Orphan, Background or Foreground.", false}
	listQ    = []param{
		{"allowWatchBookmarks", "query", "boolean", "Ask for BOOKMARK watch events.", false},
		{"continue", "query", "string", "The continue token from a previous paged list.", false},
		{"fieldSelector", "query", "string", "Restrict the returned objects by their fields.", false},
		{"labelSelector", "query", "string", "Restrict the returned objects by their labels.", false},
		{"limit", "query", "integer", "Maximum number of objects to return in one page.", false},
		{"resourceVersion", "query", "string", "Which version of the collection to serve.", false},
		{"resourceVersionMatch", "query", "string", "How resourceVersion is matched: Exact or NotOlderThan.", false},
		{"sendInitialEvents", "query", "boolean", "Start a watch with synthetic ADDED events for the current state.", false},
		{"timeoutSeconds", "query", "integer", "Timeout of the list or watch call.", false},
		{"watch", "query", "boolean", "Watch for changes instead of listing.", false},
	}
	pName      = param{"name", "path", "string", "name of the object", true}
	pNamespace = param{"namespace", "path", "string", "object name and auth scope, such as for teams and projects", true}
)

// pathBuilder builds the operations of the resources of one group version.
type pathBuilder struct {
	g               *generator
	gv              GroupVersionResources
	fieldValidation bool
	paths           paths
}

func (b *pathBuilder) build() {
	for _, r := range b.gv.Resources {
		if strings.Contains(r.Name, "/") {
			b.subresource(r)
			continue
		}
		b.resource(r)
	}
}

// writeParams are the query parameters of create, update and patch.
func (b *pathBuilder) writeParams() []param {
	ps := []param{pPretty, pDryRun, pManager}
	if b.fieldValidation {
		ps = append(ps, pFieldV)
	}
	return ps
}

func (b *pathBuilder) resource(r Resource) {
	gvk := GVK{Group: b.gv.Group, Kind: r.Kind, Version: b.gv.Version}
	object := b.g.ref(reflect.TypeOf(r.Object).Elem())
	b.g.defs[object].addGVK(gvk)
	list := ""
	if r.List != nil {
		list = b.g.ref(reflect.TypeOf(r.List).Elem())
		b.g.defs[list].addGVK(GVK{Group: b.gv.Group, Kind: r.Kind + "List", Version: b.gv.Version})
	}
	status := b.g.ref(reflect.TypeOf(metav1.Status{}))
	deleteOpts := b.g.ref(reflect.TypeOf(metav1.DeleteOptions{}))
	patch := b.g.ref(reflect.TypeOf(metav1.Patch{}))

	scope, coll := []param{}, b.gv.prefix()+"/"+r.Name
	if r.Namespaced {
		scope, coll = []param{pNamespace}, b.gv.prefix()+"/namespaces/{namespace}/"+r.Name
	}
	item := coll + "/{name}"
	named := append([]param{pName}, scope...)
	ns := map[bool]string{true: "Namespaced", false: ""}[r.Namespaced]
	op := func(verb, action, suffix string, ps []param) *operation {
		return &operation{id: verb + b.opGroup() + ns + r.Kind + suffix, action: action, tag: b.opGroup(), gvk: gvk, params: ps}
	}
	has := func(v string) bool { return slices.Contains(r.Verbs, v) }
	if has("list") {
		o := op("list", "list", "", cat(scope, listQ, []param{pPretty}))
		o.desc, o.response = "list or watch objects of kind "+r.Kind, list
		b.paths.add(coll, "get", o)
		if r.Namespaced {
			all := op("list", "list", "ForAllNamespaces", cat(listQ, []param{pPretty}))
			all.id = "list" + b.opGroup() + r.Kind + "ForAllNamespaces"
			all.desc, all.response = o.desc, list
			b.paths.add(b.gv.prefix()+"/"+r.Name, "get", all)
		}
	}
	if has("create") {
		o := op("create", "post", "", cat(scope, b.writeParams()))
		o.desc, o.body, o.response, o.created = "create a "+r.Kind, object, object, true
		b.paths.add(coll, "post", o)
	}
	if has("deletecollection") {
		o := op("deletecollection", "deletecollection", "", cat(scope, listQ, []param{pPretty, pDryRun, pGrace, pPolicy}))
		o.desc, o.body, o.response = "delete collection of "+r.Kind, deleteOpts, status
		b.paths.add(coll, "delete", o)
	}
	if has("get") {
		o := op("read", "get", "", cat(named, []param{pPretty}))
		o.desc, o.response = "read the specified "+r.Kind, object
		b.paths.add(item, "get", o)
	}
	if has("update") {
		o := op("replace", "put", "", cat(named, b.writeParams()))
		o.desc, o.body, o.response, o.created = "replace the specified "+r.Kind, object, object, true
		b.paths.add(item, "put", o)
	}
	if has("patch") {
		o := op("patch", "patch", "", cat(named, b.writeParams(), []param{pForce}))
		o.desc, o.body, o.patch, o.response, o.created = "partially update the specified "+r.Kind, patch, true, object, true
		b.paths.add(item, "patch", o)
	}
	if has("delete") {
		o := op("delete", "delete", "", cat(named, []param{pPretty, pDryRun, pGrace, pPolicy}))
		o.desc, o.body, o.response = "delete a "+r.Kind, deleteOpts, status
		b.paths.add(item, "delete", o)
	}
}

// subresource adds the operations of parent/sub at .../{name}/sub: get,
// put and patch (status, scale), post (binding, eviction).
func (b *pathBuilder) subresource(r Resource) {
	parent, sub, _ := strings.Cut(r.Name, "/")
	owner, namespaced := r.Kind, r.Namespaced
	for _, p := range b.gv.Resources {
		if p.Name == parent {
			owner, namespaced = p.Kind, namespaced || p.Namespaced
		}
	}
	item := b.gv.prefix() + "/" + parent + "/{name}/" + sub
	params, ns := []param{pName}, ""
	if namespaced {
		item = b.gv.prefix() + "/namespaces/{namespace}/" + parent + "/{name}/" + sub
		params, ns = append(params, pNamespace), "Namespaced"
	}
	gvk := GVK{Group: b.gv.Group, Kind: r.Kind, Version: b.gv.Version}
	if r.Version != "" {
		gvk.Group, gvk.Version = r.Group, r.Version
	}
	object := b.g.ref(reflect.TypeOf(r.Object).Elem())
	suffix := strings.ToUpper(sub[:1]) + sub[1:]
	for _, s := range []struct{ verb, id, action, method string }{
		{"get", "read", "get", "get"},
		{"update", "replace", "put", "put"},
		{"patch", "patch", "patch", "patch"},
		{"create", "create", "post", "post"},
	} {
		if !slices.Contains(r.Verbs, s.verb) {
			continue
		}
		o := &operation{id: s.id + b.opGroup() + ns + owner + suffix, action: s.action, tag: b.opGroup(), gvk: gvk,
			response: object, desc: s.id + " " + sub + " of the specified " + owner}
		switch s.verb {
		case "get":
			o.params = cat(params, []param{pPretty})
		case "update", "create":
			o.params, o.body, o.created = cat(params, b.writeParams()), object, true
		case "patch":
			o.params, o.body, o.patch, o.created = cat(params, b.writeParams(), []param{pForce}), b.g.ref(reflect.TypeOf(metav1.Patch{})), true, true
		}
		b.paths.add(item, s.method, o)
	}
}

// opGroup is the group and version as they appear in operation ids:
// "" v1 -> CoreV1, rbac.authorization.k8s.io v1 -> RbacAuthorizationV1.
func (b *pathBuilder) opGroup() string {
	group := strings.TrimSuffix(b.gv.Group, ".k8s.io")
	if group == "" {
		group = "core"
	}
	var out strings.Builder
	for _, part := range strings.FieldsFunc(group, func(r rune) bool { return r == '.' || r == '-' }) {
		out.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return out.String() + strings.ToUpper(b.gv.Version[:1]) + b.gv.Version[1:]
}

func cat(lists ...[]param) []param {
	var out []param
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// addGVK records that the definition is the schema of kind gvk.
func (s *Schema) addGVK(gvk GVK) {
	if !slices.Contains(s.GVK, gvk) {
		s.GVK = append(s.GVK, gvk)
	}
}
