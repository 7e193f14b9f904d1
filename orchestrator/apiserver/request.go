package apiserver

import (
	"net/http"
	"strings"
)

// request is what a resource URL names, the way Kubernetes' RequestInfo
// splits it:
//
//	/api/v1/namespaces/{ns}/{resource}/{name}/{subresource}
//	/apis/{group}/{version}/{resource}/{name}
type request struct {
	verb        string // get list watch create update patch delete deletecollection
	group       string
	version     string
	namespace   string
	resource    string
	name        string
	subresource string
	res         *resource
}

// namespaceSubresources are the subresources of a namespace object, so
// /api/v1/namespaces/x/status is the status of x, not a resource "status".
var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

// parseRequest splits a URL path; ok is false for paths that name no
// resource (discovery documents are served before this).
func parseRequest(r *http.Request) (req request, ok bool) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		req.version, parts = parts[1], parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		req.group, req.version, parts = parts[1], parts[2], parts[3:]
	default:
		return req, false
	}
	if parts[0] == "namespaces" && len(parts) > 1 {
		req.namespace = parts[1]
		if len(parts) > 2 && !namespaceSubresources[parts[2]] {
			parts = parts[2:]
		} else {
			req.name = parts[1]
			parts = append([]string{"namespaces"}, parts[2:]...)
			req.namespace = ""
			req.resource = "namespaces"
			if len(parts) > 1 {
				req.subresource = parts[1]
			}
			req.verb = verbFor(r, true)
			return req, len(parts) <= 2
		}
	}
	req.resource = parts[0]
	if len(parts) > 1 {
		req.name = parts[1]
	}
	if len(parts) > 2 {
		req.subresource = parts[2]
	}
	req.verb = verbFor(r, req.name != "")
	return req, len(parts) <= 3
}

func verbFor(r *http.Request, named bool) string {
	q := r.URL.Query()
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if q.Get("watch") == "true" || q.Get("watch") == "1" {
			return "watch"
		}
		if named {
			return "get"
		}
		return "list"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	}
	return strings.ToLower(r.Method)
}
