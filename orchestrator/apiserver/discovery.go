package apiserver

import (
	"net/http"
	"runtime/debug"
	"strings"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
)

// Version is what /version reports: Kubernetes 1.N where N is the minor
// version of the k8s.io/api module skiff is built on, so that kubectl picks
// a matching client.
func Version() version.Info {
	apiVersion := "v0.37.2"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "k8s.io/api" {
				apiVersion = d.Version
			}
		}
	}
	parts := strings.SplitN(strings.TrimPrefix(apiVersion, "v0."), ".", 2)
	minor, patch := parts[0], "0"
	if len(parts) == 2 {
		patch = strings.SplitN(parts[1], "-", 2)[0]
	}
	return version.Info{
		Major: "1", Minor: minor,
		GitVersion:   "v1." + minor + "." + patch + "+skiff",
		GitTreeState: "clean", GoVersion: runtimeVersion(), Compiler: "gc", Platform: "linux/amd64",
	}
}

func runtimeVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.GoVersion
	}
	return ""
}

func (s *Server) serveVersion(w http.ResponseWriter, r *http.Request) {
	v := Version()
	writeJSON(w, http.StatusOK, &v)
}

// groupVersions lists the versions of one group, preferred first.
func groupVersions(group string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range resources {
		if r.group == group && !seen[r.version] {
			seen[r.version] = true
			out = append(out, r.version)
		}
	}
	if group == "autoscaling" {
		return []string{"v2", "v1"}
	}
	return out
}

func apiGroup(name string) metav1.APIGroup {
	g := metav1.APIGroup{Name: name}
	for _, v := range groupVersions(name) {
		g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{GroupVersion: name + "/" + v, Version: v})
	}
	g.PreferredVersion = g.Versions[0]
	return g
}

// serveDiscovery answers /api and /apis, in the aggregated form when the
// client asks for it.
func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	o, err := negotiate(r, "APIGroupDiscoveryList")
	if err != nil {
		writeError(w, r, err)
		return
	}
	core := r.URL.Path == "/api"
	if o.as == "APIGroupDiscoveryList" {
		list := aggregatedDiscovery(core)
		list.SetGroupVersionKind(apidiscoveryv2.SchemeGroupVersion.WithKind("APIGroupDiscoveryList"))
		writeObject(w, http.StatusOK, o, list)
		return
	}
	if core {
		v := &metav1.APIVersions{Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}}}
		writeDiscovery(w, o, v, "APIVersions")
		return
	}
	list := &metav1.APIGroupList{}
	for _, g := range groupOrder[1:] {
		list.Groups = append(list.Groups, apiGroup(g))
	}
	writeDiscovery(w, o, list, "APIGroupList")
}

func writeDiscovery(w http.ResponseWriter, o output, obj runtime.Object, kind string) {
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: kind})
	writeObject(w, http.StatusOK, o, obj)
}

// serveGroupDiscovery answers /apis/<group> and /api/v1, /apis/<g>/<v>;
// false means the path is not a discovery document.
func (s *Server) serveGroupDiscovery(w http.ResponseWriter, r *http.Request) bool {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var group, ver string
	switch {
	case len(parts) == 2 && parts[0] == "api":
		ver = parts[1]
	case len(parts) == 2 && parts[0] == "apis":
		group = parts[1]
	case len(parts) == 3 && parts[0] == "apis":
		group, ver = parts[1], parts[2]
	default:
		return false
	}
	if err := s.authorize(r, Attributes{Verb: "get", Path: r.URL.Path}); err != nil {
		writeError(w, r, err)
		return true
	}
	o, err := negotiate(r)
	if err != nil {
		writeError(w, r, err)
		return true
	}
	if len(groupVersions(group)) == 0 || (ver != "" && !hasVersion(group, ver)) || (group == "" && ver != "v1") {
		s.serveNotFound(w, r)
		return true
	}
	if ver == "" {
		g := apiGroup(group)
		writeDiscovery(w, o, &g, "APIGroup")
		return true
	}
	writeDiscovery(w, o, resourceList(group, ver), "APIResourceList")
	return true
}

func hasVersion(group, ver string) bool {
	for _, v := range groupVersions(group) {
		if v == ver {
			return true
		}
	}
	return false
}

// subresource is one entry of a resource's subresource list.
type subresource struct {
	name  string
	kind  schema.GroupVersionKind
	verbs []string
}

func (r *resource) subresources() []subresource {
	var out []subresource
	if r.status {
		out = append(out, subresource{"status", r.gvk(), []string{"get", "patch", "update"}})
	}
	if r.scale {
		out = append(out, subresource{"scale", schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}, []string{"get", "patch", "update"}})
	}
	switch r.name {
	case "pods":
		if r.group == "" {
			out = append(out,
				subresource{"binding", schema.GroupVersionKind{Version: "v1", Kind: "Binding"}, createOnly},
				subresource{"eviction", schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}, createOnly},
				subresource{"log", r.gvk(), []string{"get"}},
				subresource{"exec", schema.GroupVersionKind{Version: "v1", Kind: "PodExecOptions"}, []string{"create", "get"}},
				subresource{"attach", schema.GroupVersionKind{Version: "v1", Kind: "PodAttachOptions"}, []string{"create", "get"}},
				subresource{"portforward", schema.GroupVersionKind{Version: "v1", Kind: "PodPortForwardOptions"}, []string{"create", "get"}})
		}
	case "namespaces":
		out = append(out, subresource{"finalize", r.gvk(), []string{"update"}})
	}
	return out
}

func resourceList(group, ver string) *metav1.APIResourceList {
	list := &metav1.APIResourceList{GroupVersion: schema.GroupVersion{Group: group, Version: ver}.String()}
	for _, r := range resources {
		if r.group != group || r.version != ver {
			continue
		}
		list.APIResources = append(list.APIResources, metav1.APIResource{
			Name: r.name, SingularName: r.singular, Namespaced: r.namespaced, Kind: r.kind,
			Verbs: r.verbs, ShortNames: r.shortNames, Categories: r.categories,
		})
		for _, sub := range r.subresources() {
			list.APIResources = append(list.APIResources, metav1.APIResource{
				Name: r.name + "/" + sub.name, Namespaced: r.namespaced, Kind: sub.kind.Kind,
				Group: sub.kind.Group, Version: sub.kind.Version, Verbs: sub.verbs,
			})
		}
	}
	return list
}

// aggregatedDiscovery is the apidiscovery.k8s.io/v2 document: every group,
// version and resource in one response.
func aggregatedDiscovery(core bool) *apidiscoveryv2.APIGroupDiscoveryList {
	list := &apidiscoveryv2.APIGroupDiscoveryList{}
	groups := groupOrder[1:]
	if core {
		groups = groupOrder[:1]
	}
	for _, g := range groups {
		gd := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: g}}
		for _, v := range groupVersions(g) {
			gd.Versions = append(gd.Versions, versionDiscovery(g, v))
		}
		list.Items = append(list.Items, gd)
	}
	return list
}

func versionDiscovery(group, ver string) apidiscoveryv2.APIVersionDiscovery {
	vd := apidiscoveryv2.APIVersionDiscovery{Version: ver, Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent}
	for _, r := range resources {
		if r.group != group || r.version != ver {
			continue
		}
		scope := apidiscoveryv2.ScopeCluster
		if r.namespaced {
			scope = apidiscoveryv2.ScopeNamespace
		}
		k := r.gvk()
		rd := apidiscoveryv2.APIResourceDiscovery{
			Resource: r.name, SingularResource: r.singular, Scope: scope, Verbs: r.verbs,
			ShortNames: r.shortNames, Categories: r.categories,
			ResponseKind: &metav1.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind},
		}
		for _, sub := range r.subresources() {
			sk := sub.kind
			rd.Subresources = append(rd.Subresources, apidiscoveryv2.APISubresourceDiscovery{
				Subresource: sub.name, Verbs: sub.verbs,
				ResponseKind: &metav1.GroupVersionKind{Group: sk.Group, Version: sk.Version, Kind: sk.Kind},
			})
		}
		vd.Resources = append(vd.Resources, rd)
	}
	return vd
}
