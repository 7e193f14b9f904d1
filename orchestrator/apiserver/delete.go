package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiffrun/skiff/orchestrator/store"
)

// deleteOptions reads DeleteOptions from the body (JSON, YAML or
// protobuf) and the query.
func deleteOptions(r *http.Request) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		want := schema.GroupVersionKind{Group: "meta.k8s.io", Version: "v1", Kind: "DeleteOptions"}
		obj, _, err := decodeLoose(r, body, want)
		if err != nil {
			return nil, err
		}
		opts = obj.(*metav1.DeleteOptions)
	}
	q := r.URL.Query()
	if v := q.Get("gracePeriodSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("gracePeriodSeconds %q: must be an integer", v))
		}
		opts.GracePeriodSeconds = &n
	}
	if v := q.Get("propagationPolicy"); v != "" {
		p := metav1.DeletionPropagation(v)
		opts.PropagationPolicy = &p
	}
	if q.Get("orphanDependents") == "true" && opts.PropagationPolicy == nil {
		opts.PropagationPolicy = ptr(metav1.DeletePropagationOrphan)
	}
	if len(q["dryRun"]) > 0 {
		opts.DryRun = q["dryRun"]
	}
	return opts, checkDeleteOptions(opts)
}

func checkDeleteOptions(o *metav1.DeleteOptions) error {
	if o.PropagationPolicy != nil {
		switch *o.PropagationPolicy {
		case metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan:
		default:
			return apierrors.NewBadRequest(fmt.Sprintf("propagationPolicy %q: must be Background, Foreground or Orphan", *o.PropagationPolicy))
		}
	}
	for _, d := range o.DryRun {
		if d != "All" {
			return apierrors.NewBadRequest(fmt.Sprintf("dryRun %q: the only supported value is All", d))
		}
	}
	return nil
}

// decodeLoose decodes an options body whose apiVersion may be any of the
// groups (clients send DeleteOptions as v1, meta.k8s.io/v1 or their own
// group).
func decodeLoose(r *http.Request, body []byte, want schema.GroupVersionKind) (runtime.Object, []string, error) {
	into, _ := Scheme.New(want)
	ct := r.Header.Get("Content-Type")
	dec := runtime.Decoder(jsonDecoder)
	if ct == mediaProtobuf {
		dec = protoDecoder
	} else if ct == mediaYAML {
		dec = yamlDecoder
	}
	obj, gvk, err := dec.Decode(body, &want, into)
	if err != nil {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("decode %s: %v", want.Kind, err))
	}
	if gvk.Kind != want.Kind {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("the body is a %s, expected %s", gvk.Kind, want.Kind))
	}
	return obj, nil, nil
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := negotiate(r)
	if err != nil {
		return err
	}
	opts, err := deleteOptions(r)
	if err != nil {
		return err
	}
	wo, _ := parseWriteOptions(r, req)
	wo.dryRun = len(opts.DryRun) > 0
	obj, err := s.deleteObject(r.Context(), req.res, req.namespace, req.name, opts, wo)
	if err != nil {
		return err
	}
	return s.respond(w, r, o, http.StatusOK, req.res, obj)
}

// deleteObject deletes one object, or marks it for deletion when
// something must happen first: finalizers, a running pod's grace period,
// a namespace's contents, dependents in the foreground.
func (s *Server) deleteObject(ctx context.Context, res *resource, namespace, name string, opts *metav1.DeleteOptions, wo writeOptions) (runtime.Object, error) {
	for attempt := 0; attempt < 20; attempt++ {
		obj, err := s.tryDelete(ctx, res, namespace, name, opts, wo)
		var retry *retryable
		if !errors.As(err, &retry) {
			return obj, err
		}
	}
	return nil, storeErr(res, name, errors.New("too many conflicts"))
}

func (s *Server) tryDelete(ctx context.Context, res *resource, namespace, name string, opts *metav1.DeleteOptions, wo writeOptions) (runtime.Object, error) {
	kv, err := s.store.Get(ctx, res.key(namespace, name))
	if err != nil {
		return nil, storeErr(res, name, err)
	}
	obj, err := decodeStored(res, kv)
	if err != nil {
		return nil, err
	}
	if err := checkPreconditions(res, obj, opts); err != nil {
		return nil, err
	}
	if err := s.admitAndValidateDelete(ctx, res, obj, wo); err != nil {
		return nil, err
	}
	policy := metav1.DeletePropagationBackground
	if opts.PropagationPolicy != nil {
		policy = *opts.PropagationPolicy
	}
	if res.kind == "Namespace" && res.group == "" {
		return s.terminateNamespace(ctx, kv, obj.(*corev1.Namespace), wo.dryRun)
	}
	if wo.dryRun {
		return obj, nil
	}
	if policy == metav1.DeletePropagationOrphan {
		s.orphanDependents(ctx, res, metaOf(obj))
	}
	m := metaOf(obj)
	grace := gracePeriod(obj, opts)
	if grace > 0 || len(m.GetFinalizers()) > 0 || policy == metav1.DeletePropagationForeground {
		return s.markDeleted(ctx, res, kv, obj, grace, policy)
	}
	if _, err := s.store.Delete(ctx, kv.Key, kv.Revision); err != nil {
		return nil, conflictOrErr(res, name, err, true)
	}
	s.afterDelete(res, obj, policy)
	return obj, nil
}

func checkPreconditions(res *resource, obj runtime.Object, opts *metav1.DeleteOptions) error {
	m := metaOf(obj)
	if p := opts.Preconditions; p != nil {
		if p.UID != nil && *p.UID != m.GetUID() {
			return apierrors.NewConflict(res.gr(), m.GetName(), fmt.Errorf("precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, m.GetUID()))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
			return apierrors.NewConflict(res.gr(), m.GetName(), fmt.Errorf("precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, m.GetResourceVersion()))
		}
	}
	return nil
}

func (s *Server) admitAndValidateDelete(ctx context.Context, res *resource, obj runtime.Object, wo writeOptions) error {
	areq := &AdmissionRequest{Attributes: wo.attrs, Operation: "DELETE", OldObject: obj, DryRun: wo.dryRun}
	areq.User = wo.user
	for _, a := range s.cfg.Validating {
		if err := a.Validate(ctx, areq); err != nil {
			return admissionErr(res, obj, err)
		}
	}
	return nil
}

// gracePeriod is how long a pod bound to a node gets to stop; the node
// agent finishes its deletion. Pods on no node, or already finished, go at
// once, as does everything else.
func gracePeriod(obj runtime.Object, opts *metav1.DeleteOptions) int64 {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0
	}
	if opts.GracePeriodSeconds != nil {
		return *opts.GracePeriodSeconds
	}
	if pod.DeletionGracePeriodSeconds != nil {
		return *pod.DeletionGracePeriodSeconds
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}

// markDeleted sets deletionTimestamp (and the foreground finalizer): the
// object stays until its finalizers are gone or its node agent removes it.
func (s *Server) markDeleted(ctx context.Context, res *resource, kv store.KV, obj runtime.Object, grace int64, policy metav1.DeletionPropagation) (runtime.Object, error) {
	m := metaOf(obj)
	old := obj.DeepCopyObject()
	if policy == metav1.DeletePropagationForeground && !hasString(m.GetFinalizers(), metav1.FinalizerDeleteDependents) {
		m.SetFinalizers(append(m.GetFinalizers(), metav1.FinalizerDeleteDependents))
	}
	if m.GetDeletionTimestamp() == nil {
		m.SetDeletionTimestamp(&metav1.Time{Time: time.Now().Add(time.Duration(grace) * time.Second).Truncate(time.Second)})
	}
	if cur := m.GetDeletionGracePeriodSeconds(); cur == nil || *cur > grace {
		m.SetDeletionGracePeriodSeconds(&grace)
	}
	out, err := s.commitUpdate(ctx, res, kv, obj, old, true, writeOptions{})
	if err != nil {
		return nil, err
	}
	if hasString(metaOf(out).GetFinalizers(), metav1.FinalizerDeleteDependents) {
		owner := metaOf(out)
		s.goBackground(func(ctx context.Context) { s.foregroundDelete(ctx, res, owner) })
	}
	return out, nil
}

func hasString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (s *Server) deleteCollection(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := negotiate(r)
	if err != nil {
		return err
	}
	lq, err := parseListQuery(r, req)
	if err != nil {
		return err
	}
	opts, err := deleteOptions(r)
	if err != nil {
		return err
	}
	wo, _ := parseWriteOptions(r, req)
	wo.dryRun = len(opts.DryRun) > 0
	lq.limit, lq.cont = 0, nil
	list, err := s.listObjects(r.Context(), req.res, req.namespace, lq)
	if err != nil {
		return err
	}
	var deleted []runtime.Object
	for _, item := range items(list) {
		m := metaOf(item)
		out, err := s.deleteObject(r.Context(), req.res, m.GetNamespace(), m.GetName(), opts, wo)
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		if out != nil {
			deleted = append(deleted, out)
		}
	}
	out, err := buildList(req.res, deleted, 0, "", 0)
	if err != nil {
		return err
	}
	return s.respond(w, r, o, http.StatusOK, req.res, out)
}
