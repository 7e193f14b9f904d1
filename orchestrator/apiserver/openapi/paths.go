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

// verbOp is the operation a verb adds to a resource.
type verbOp struct {
	verb, id, action, method string
	item                     bool   // on .../{name}, not the collection
	query                    string // which query parameters: see queryParams
	body, response           string // which definitions: see resource
	desc                     string
}

var resourceOps = []verbOp{
	{"list", "list", "list", "get", false, "list", "", "list", "list or watch objects of kind "},
	{"create", "create", "post", "post", false, "write", "object", "object", "create a "},
	{"deletecollection", "deletecollection", "deletecollection", "delete", false, "deletecollection", "deleteOptions", "status", "delete collection of "},
	{"get", "read", "get", "get", true, "read", "", "object", "read the specified "},
	{"update", "replace", "put", "put", true, "write", "object", "object", "replace the specified "},
	{"patch", "patch", "patch", "patch", true, "patch", "patch", "object", "partially update the specified "},
	{"delete", "delete", "delete", "delete", true, "delete", "deleteOptions", "status", "delete a "},
}

// queryParams are the query parameters of each kind of operation.
func (b *pathBuilder) queryParams(kind string) []param {
	switch kind {
	case "list":
		return cat(listQ, []param{pPretty})
	case "write":
		return b.writeParams()
	case "patch":
		return cat(b.writeParams(), []param{pForce})
	case "delete":
		return []param{pPretty, pDryRun, pGrace, pPolicy}
	case "deletecollection":
		return cat(listQ, []param{pPretty, pDryRun, pGrace, pPolicy})
	}
	return []param{pPretty}
}

// resource adds the operations of the verbs of r on its collection path
// and item path, and a list across namespaces for namespaced kinds.
func (b *pathBuilder) resource(r Resource) {
	gvk := GVK{Group: b.gv.Group, Kind: r.Kind, Version: b.gv.Version}
	defs := map[string]string{
		"object":        b.g.ref(reflect.TypeOf(r.Object).Elem()),
		"status":        b.g.ref(reflect.TypeOf(metav1.Status{})),
		"deleteOptions": b.g.ref(reflect.TypeOf(metav1.DeleteOptions{})),
		"patch":         b.g.ref(reflect.TypeOf(metav1.Patch{})),
	}
	b.g.defs[defs["object"]].addGVK(gvk)
	if r.List != nil {
		defs["list"] = b.g.ref(reflect.TypeOf(r.List).Elem())
		b.g.defs[defs["list"]].addGVK(GVK{Group: b.gv.Group, Kind: r.Kind + "List", Version: b.gv.Version})
	}
	scope, coll, ns := []param{}, b.gv.prefix()+"/"+r.Name, ""
	if r.Namespaced {
		scope, coll, ns = []param{pNamespace}, b.gv.prefix()+"/namespaces/{namespace}/"+r.Name, "Namespaced"
	}
	for _, v := range resourceOps {
		if !slices.Contains(r.Verbs, v.verb) {
			continue
		}
		path, params := coll, scope
		if v.item {
			path, params = coll+"/{name}", append([]param{pName}, scope...)
		}
		op := &operation{id: v.id + b.opGroup() + ns + r.Kind, action: v.action, tag: b.opGroup(), gvk: gvk,
			params: cat(params, b.queryParams(v.query)), body: defs[v.body], patch: v.body == "patch",
			response: defs[v.response], created: v.body == "object" || v.body == "patch", desc: v.desc + r.Kind}
		b.paths.add(path, v.method, op)
		if v.verb == "list" && r.Namespaced {
			all := *op
			all.id, all.params = "list"+b.opGroup()+r.Kind+"ForAllNamespaces", b.queryParams("list")
			b.paths.add(b.gv.prefix()+"/"+r.Name, "get", &all)
		}
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
