package apiserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiffrun/skiff/orchestrator/store"
)

func (s *Server) getObject(ctx context.Context, res *resource, namespace, name string) (runtime.Object, error) {
	kv, err := s.store.Get(ctx, res.key(namespace, name))
	if err != nil {
		return nil, storeErr(res, name, err)
	}
	return decodeStored(res, kv)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := negotiate(r, "Table", "PartialObjectMetadata")
	if err != nil {
		return err
	}
	obj, err := s.getObject(r.Context(), req.res, req.namespace, req.name)
	if err != nil {
		return err
	}
	return s.respond(w, r, o, http.StatusOK, req.res, obj)
}

// respond writes obj (an object or a list) in the negotiated form.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, o output, code int, res *resource, obj runtime.Object) error {
	out, err := s.transform(r, o, res, obj)
	if err != nil {
		return err
	}
	writeObject(w, code, o, out)
	return nil
}

// transform turns obj into what the client asked for: the object itself,
// a Table, or only its metadata.
func (s *Server) transform(r *http.Request, o output, res *resource, obj runtime.Object) (runtime.Object, error) {
	switch o.as {
	case "Table":
		return s.table(r, res, obj, false)
	case "PartialObjectMetadata", "PartialObjectMetadataList":
		return partialMetadata(obj)
	}
	return obj, nil
}

func partialMetadata(obj runtime.Object) (runtime.Object, error) {
	if meta.IsListType(obj) {
		list := &metav1.PartialObjectMetadataList{}
		lm, _ := meta.ListAccessor(obj)
		list.ResourceVersion, list.Continue = lm.GetResourceVersion(), lm.GetContinue()
		err := meta.EachListItem(obj, func(item runtime.Object) error {
			p, _ := partialMetadata(item)
			list.Items = append(list.Items, *p.(*metav1.PartialObjectMetadata))
			return nil
		})
		list.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("PartialObjectMetadataList"))
		return list, err
	}
	p := &metav1.PartialObjectMetadata{}
	p.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("PartialObjectMetadata"))
	om, ok := fieldOf(obj, "ObjectMeta").Interface().(metav1.ObjectMeta)
	if !ok {
		return nil, fmt.Errorf("partial metadata of %T: no ObjectMeta", obj)
	}
	p.ObjectMeta = *om.DeepCopy()
	return p, nil
}

// continueToken is the opaque "continue" of a paged list: where the next
// page starts and at which revision the list is read.
type continueToken struct {
	Revision int64  `json:"rv"`
	Start    string `json:"start"`
}

func encodeContinue(t continueToken) string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeContinue(res *resource, namespace, s string) (continueToken, error) {
	var t continueToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Revision <= 0 || len(t.Start) < len(res.prefix(namespace)) || t.Start[:len(res.prefix(namespace))] != res.prefix(namespace) {
		return t, apierrors.NewBadRequest(fmt.Sprintf("invalid continue token %q: use the token of the previous page of this list", s))
	}
	return t, nil
}

// listQuery is the parsed query of a list or watch.
type listQuery struct {
	sel      selector
	limit    int64
	cont     *continueToken
	revision int64 // resourceVersion to read at (0 = latest)
}

func parseListQuery(r *http.Request, req request) (listQuery, error) {
	q := r.URL.Query()
	var lq listQuery
	var err error
	if lq.sel, err = parseSelector(req.res, q.Get("labelSelector"), q.Get("fieldSelector")); err != nil {
		return lq, err
	}
	if v := q.Get("limit"); v != "" {
		if lq.limit, err = strconv.ParseInt(v, 10, 64); err != nil || lq.limit < 0 {
			return lq, apierrors.NewBadRequest(fmt.Sprintf("limit %q: must be a non-negative integer", v))
		}
	}
	if v := q.Get("continue"); v != "" {
		t, err := decodeContinue(req.res, req.namespace, v)
		if err != nil {
			return lq, err
		}
		lq.cont = &t
	}
	if v := q.Get("resourceVersion"); v != "" {
		if lq.revision, err = strconv.ParseInt(v, 10, 64); err != nil || lq.revision < 0 {
			return lq, apierrors.NewBadRequest(fmt.Sprintf("resourceVersion %q: must be a non-negative integer", v))
		}
		if q.Get("resourceVersionMatch") != "Exact" && req.verb != "watch" {
			lq.revision = 0 // NotOlderThan or unset: the latest state satisfies it
		}
	}
	return lq, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := negotiate(r, "Table", "PartialObjectMetadataList")
	if err != nil {
		return err
	}
	lq, err := parseListQuery(r, req)
	if err != nil {
		return err
	}
	list, err := s.listObjects(r.Context(), req.res, req.namespace, lq)
	if err != nil {
		return err
	}
	return s.respond(w, r, o, http.StatusOK, req.res, list)
}

// listObjects reads one page of matching objects into a typed list.
func (s *Server) listObjects(ctx context.Context, res *resource, namespace string, lq listQuery) (runtime.Object, error) {
	opts := store.ListOptions{Revision: lq.revision, Limit: lq.limit}
	if lq.cont != nil {
		opts.Revision, opts.StartKey = lq.cont.Revision, lq.cont.Start
	}
	var items []runtime.Object
	var next string
	var remaining int64
	rev := opts.Revision
	for {
		page, err := s.store.List(ctx, res.prefix(namespace), opts)
		if err != nil {
			return nil, storeErr(res, "", err)
		}
		rev, opts.Revision = page.Revision, page.Revision
		for i, kv := range page.Items {
			obj, err := decodeStored(res, kv)
			if err != nil {
				return nil, err
			}
			if !lq.sel.matches(res, obj) {
				continue
			}
			items = append(items, obj)
			if lq.limit > 0 && int64(len(items)) == lq.limit && (i < len(page.Items)-1 || page.More) {
				next = kv.Key + "\x00"
				if lq.sel.empty() {
					remaining = page.Remaining + int64(len(page.Items)-1-i)
				}
				return buildList(res, items, rev, next, remaining)
			}
		}
		if !page.More {
			return buildList(res, items, rev, "", 0)
		}
		opts.StartKey = page.NextKey
	}
}

func buildList(res *resource, items []runtime.Object, rev int64, next string, remaining int64) (runtime.Object, error) {
	list := res.newList()
	if err := meta.SetList(list, items); err != nil {
		return nil, err
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, err
	}
	lm.SetResourceVersion(strconv.FormatInt(rev, 10))
	if next != "" {
		lm.SetContinue(encodeContinue(continueToken{Revision: rev, Start: next}))
		if remaining > 0 {
			lm.SetRemainingItemCount(&remaining)
		}
	}
	return list, nil
}
