package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/skiffrun/skiff/orchestrator/store"
)

// serveAPI serves everything under /api and /apis: discovery documents
// first, then resource requests through authorization to the verb's
// handler.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if s.serveGroupDiscovery(w, r) {
		return
	}
	req, ok := parseRequest(r)
	if ok {
		req.res = lookup(req.group, req.version, req.resource)
	}
	if !ok || req.res == nil || (req.namespace != "" && !req.res.namespaced) {
		s.serveNotFound(w, r)
		return
	}
	if err := s.authorize(r, req.attributes(r)); err != nil {
		writeError(w, r, err)
		return
	}
	if req.verb != "watch" && kubeletPaths[req.subresource] == "" {
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	if err := s.dispatch(w, r, req); err != nil {
		writeError(w, r, err)
	}
}

// requestTimeout bounds every request but watches and streams, as
// kube-apiserver's --request-timeout does.
const requestTimeout = time.Minute

func (req request) attributes(r *http.Request) Attributes {
	return Attributes{Verb: req.verb, ResourceRequest: true, Path: r.URL.Path, APIGroup: req.group,
		APIVersion: req.version, Namespace: req.namespace, Resource: req.resource,
		Subresource: req.subresource, Name: req.name}
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, req request) error {
	if req.subresource != "" {
		return s.serveSubresource(w, r, req)
	}
	if !req.res.stored() {
		if req.verb != "create" {
			return apierrors.NewMethodNotSupported(req.res.gr(), req.verb)
		}
		return s.serveReview(w, r, req)
	}
	switch req.verb {
	case "get":
		return s.get(w, r, req)
	case "list":
		return s.list(w, r, req)
	case "watch":
		return s.watch(w, r, req)
	case "create":
		return s.create(w, r, req)
	case "update":
		return s.update(w, r, req)
	case "patch":
		return s.patch(w, r, req)
	case "delete":
		return s.delete(w, r, req)
	case "deletecollection":
		return s.deleteCollection(w, r, req)
	}
	return apierrors.NewMethodNotSupported(req.res.gr(), req.verb)
}

// storeErr maps store errors to API errors about one object.
func storeErr(res *resource, name string, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apierrors.NewNotFound(res.gr(), name)
	case errors.Is(err, store.ErrExists):
		return apierrors.NewAlreadyExists(res.gr(), name)
	case errors.Is(err, store.ErrConflict):
		return apierrors.NewConflict(res.gr(), name,
			fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	case errors.Is(err, store.ErrGone):
		return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %v", err))
	}
	return err
}
