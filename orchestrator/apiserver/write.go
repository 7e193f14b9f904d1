package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/google/uuid"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiffrun/skiff/orchestrator/store"
)

// writeOptions are the query parameters every write shares.
type writeOptions struct {
	dryRun       bool
	fieldManager string
	operation    metav1.ManagedFieldsOperationType
	// appliedFields is the FieldsV1 set the write records for its manager
	// (computed from the request body).
	appliedFields []byte
	user          *User
	attrs         Attributes
}

func parseWriteOptions(r *http.Request, req request) (writeOptions, error) {
	q := r.URL.Query()
	o := writeOptions{fieldManager: q.Get("fieldManager"), user: UserFrom(r.Context()), attrs: req.attributes(r)}
	for _, d := range q["dryRun"] {
		if d != "All" {
			return o, apierrors.NewBadRequest(fmt.Sprintf("dryRun %q: the only supported value is All", d))
		}
		o.dryRun = true
	}
	if o.fieldManager == "" {
		o.fieldManager = managerFromUserAgent(r.UserAgent())
	}
	o.operation = metav1.ManagedFieldsOperationUpdate
	return o, nil
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := negotiate(r)
	if err != nil {
		return err
	}
	wo, err := parseWriteOptions(r, req)
	if err != nil {
		return err
	}
	obj, warnings, err := decodeBody(r, req.res.gvk())
	if err != nil {
		return err
	}
	if err := matchNamespace(req, obj); err != nil {
		return err
	}
	wo.appliedFields = fieldSet(obj)
	created, err := s.createObject(r.Context(), req.res, obj, wo)
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	return s.respond(w, r, o, http.StatusCreated, req.res, created)
}

// matchNamespace puts the URL's namespace on the object; a different one
// in the body is an error.
func matchNamespace(req request, obj runtime.Object) error {
	m := metaOf(obj)
	if !req.res.namespaced {
		m.SetNamespace("")
		return nil
	}
	if ns := m.GetNamespace(); ns != "" && ns != req.namespace {
		return apierrors.NewBadRequest(fmt.Sprintf(
			"the namespace of the provided object (%s) does not match the namespace sent on the request (%s)", ns, req.namespace))
	}
	m.SetNamespace(req.namespace)
	return nil
}

// createObject runs a new object through defaulting, admission and
// validation, and stores it.
func (s *Server) createObject(ctx context.Context, res *resource, obj runtime.Object, wo writeOptions) (runtime.Object, error) {
	m := metaOf(obj)
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(m.GetGenerateName() + utilrand.String(5))
	}
	if err := s.namespaceAccepts(ctx, res, m.GetNamespace()); err != nil {
		return nil, err
	}
	prepareMeta(res, m)
	recordManager(m, wo, nil)
	st := strategyFor(res)
	st.create(res, obj)
	if err := s.admitAndValidate(ctx, res, obj, nil, wo, "CREATE"); err != nil {
		return nil, err
	}
	if res.name == "services" && res.group == "" {
		s.alloc.mu.Lock()
		defer s.alloc.mu.Unlock()
		if err := s.allocateService(ctx, obj, nil, wo.dryRun); err != nil {
			return nil, err
		}
	}
	if wo.dryRun {
		return obj, nil
	}
	data, err := encodeStored(res, obj)
	if err != nil {
		return nil, err
	}
	rev, err := s.store.Create(ctx, res.key(m.GetNamespace(), m.GetName()), data)
	if err != nil {
		return nil, storeErr(res, m.GetName(), err)
	}
	m.SetResourceVersion(strconv.FormatInt(rev, 10))
	return obj, nil
}

// prepareMeta sets the metadata the server owns on a new object.
func prepareMeta(res *resource, m metav1.Object) {
	m.SetUID(types.UID(uuid.NewString()))
	m.SetCreationTimestamp(metav1.NewTime(time.Now().Truncate(time.Second)))
	m.SetResourceVersion("")
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetGeneration(0)
	if res.status {
		m.SetGeneration(1)
	}
}

// admitAndValidate is the end of the pipeline before the store: mutating
// admission, schema validation, validating admission.
func (s *Server) admitAndValidate(ctx context.Context, res *resource, obj, old runtime.Object, wo writeOptions, op string) error {
	areq := &AdmissionRequest{Attributes: wo.attrs, Operation: op, Object: obj, OldObject: old, DryRun: wo.dryRun}
	areq.User = wo.user
	for _, a := range s.cfg.Mutating {
		if err := a.Admit(ctx, areq); err != nil {
			return admissionErr(res, obj, err)
		}
	}
	if errs := validateObject(res, obj, old, wo.attrs.Subresource); len(errs) > 0 {
		return apierrors.NewInvalid(res.gvk().GroupKind(), metaOf(obj).GetName(), errs)
	}
	for _, a := range s.cfg.Validating {
		if err := a.Validate(ctx, areq); err != nil {
			return admissionErr(res, obj, err)
		}
	}
	return nil
}

func admissionErr(res *resource, obj runtime.Object, err error) error {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return err
	}
	return apierrors.NewForbidden(res.gr(), metaOf(obj).GetName(), err)
}

// validateObject checks metadata and the kind's own rules; on update also
// what may not change.
func validateObject(res *resource, obj, old runtime.Object, sub string) field.ErrorList {
	m := metaOf(obj)
	errs := validation.ValidateObjectMetaAccessor(m, res.namespaced, res.nameFn, field.NewPath("metadata"))
	st := strategyFor(res)
	if st.validate != nil {
		errs = append(errs, st.validate(obj)...)
	}
	if old != nil {
		errs = append(errs, validation.ValidateObjectMetaAccessorUpdate(m, metaOf(old), field.NewPath("metadata"))...)
		if st.validateUpdate != nil && sub == "" {
			errs = append(errs, st.validateUpdate(obj, old)...)
		}
	}
	return errs
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := negotiate(r)
	if err != nil {
		return err
	}
	wo, err := parseWriteOptions(r, req)
	if err != nil {
		return err
	}
	obj, warnings, err := decodeBody(r, req.res.gvk())
	if err != nil {
		return err
	}
	if err := matchNamespace(req, obj); err != nil {
		return err
	}
	if n := metaOf(obj).GetName(); n != req.name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", n, req.name))
	}
	wo.appliedFields = fieldSet(obj)
	out, err := s.updateObject(r.Context(), req.res, req.namespace, req.name, "", wo,
		func(runtime.Object) (runtime.Object, error) { return obj.DeepCopyObject(), nil })
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	return s.respond(w, r, o, http.StatusOK, req.res, out)
}

// updateFunc computes the new object from the stored one.
type updateFunc func(old runtime.Object) (runtime.Object, error)

// updateObject is the read-modify-write loop of update, patch and the
// status subresource. A new object carrying a resourceVersion must match
// the stored one (409 otherwise); without one the write is retried on
// conflicts.
func (s *Server) updateObject(ctx context.Context, res *resource, namespace, name, sub string, wo writeOptions, f updateFunc) (runtime.Object, error) {
	for attempt := 0; ; attempt++ {
		out, err := s.tryUpdate(ctx, res, namespace, name, sub, wo, f)
		var retry *retryable
		if errors.As(err, &retry) && attempt < 20 {
			continue
		}
		if retry != nil {
			return nil, retry.err
		}
		return out, err
	}
}

// retryable marks a conflict the loop may retry (the client sent no
// resourceVersion).
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }

func (s *Server) tryUpdate(ctx context.Context, res *resource, namespace, name, sub string, wo writeOptions, f updateFunc) (runtime.Object, error) {
	kv, err := s.store.Get(ctx, res.key(namespace, name))
	if err != nil {
		return nil, storeErr(res, name, err)
	}
	old, err := decodeStored(res, kv)
	if err != nil {
		return nil, err
	}
	obj, err := f(old.DeepCopyObject())
	if err != nil {
		return nil, err
	}
	m := metaOf(obj)
	rv := m.GetResourceVersion()
	if rv != "" && rv != strconv.FormatInt(kv.Revision, 10) {
		return nil, storeErr(res, name, store.ErrConflict)
	}
	obj = carryOver(res, sub, obj, old)
	recordManager(metaOf(obj), wo, metaOf(old))
	if err := s.admitAndValidate(ctx, res, obj, old, wo, "UPDATE"); err != nil {
		return nil, err
	}
	if res.name == "services" && res.group == "" {
		s.alloc.mu.Lock()
		defer s.alloc.mu.Unlock()
		if err := s.allocateService(ctx, obj, old, wo.dryRun); err != nil {
			return nil, err
		}
	}
	return s.commitUpdate(ctx, res, kv, obj, old, rv == "", wo)
}

// carryOver keeps what a client may not change through this endpoint:
// server-owned metadata, and the status (main resource) or everything but
// the status (status subresource). The generation moves when the spec does.
func carryOver(res *resource, sub string, obj, old runtime.Object) runtime.Object {
	if sub == "binding" {
		return obj // built from the stored pod by the binding itself
	}
	if sub == "status" {
		out := old.DeepCopyObject()
		setStatus(out, getStatus(obj))
		return out
	}
	m, om := metaOf(obj), metaOf(old)
	m.SetUID(om.GetUID())
	m.SetCreationTimestamp(om.GetCreationTimestamp())
	m.SetDeletionTimestamp(om.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(om.GetDeletionGracePeriodSeconds())
	m.SetGeneration(om.GetGeneration())
	m.SetResourceVersion(om.GetResourceVersion())
	if res.status {
		setStatus(obj, getStatus(old))
	}
	strategyFor(res).update(obj, old)
	if res.status && !equality.Semantic.DeepEqual(specOf(obj), specOf(old)) {
		m.SetGeneration(om.GetGeneration() + 1)
	}
	return obj
}

// commitUpdate writes obj over old. It also finishes a deletion: an
// object marked for deletion whose last finalizer this write removes is
// deleted instead.
func (s *Server) commitUpdate(ctx context.Context, res *resource, kv store.KV, obj, old runtime.Object, unconditional bool, wo writeOptions) (runtime.Object, error) {
	m := metaOf(obj)
	if wo.dryRun {
		return obj, nil
	}
	if m.GetDeletionTimestamp() != nil && len(m.GetFinalizers()) == 0 && len(metaOf(old).GetFinalizers()) > 0 {
		if _, err := s.store.Delete(ctx, kv.Key, kv.Revision); err != nil {
			return nil, conflictOrErr(res, m.GetName(), err, unconditional)
		}
		s.afterDelete(res, obj, metav1.DeletePropagationBackground)
		return obj, nil
	}
	data, err := encodeStored(res, obj)
	if err != nil {
		return nil, err
	}
	if oldData, _ := encodeStored(res, old); string(oldData) == string(data) {
		return obj, nil // nothing changed: keep the resourceVersion
	}
	rev, err := s.store.Update(ctx, kv.Key, data, kv.Revision)
	if err != nil {
		return nil, conflictOrErr(res, m.GetName(), err, unconditional)
	}
	m.SetResourceVersion(strconv.FormatInt(rev, 10))
	return obj, nil
}

func conflictOrErr(res *resource, name string, err error, retry bool) error {
	if errors.Is(err, store.ErrConflict) && retry {
		return &retryable{storeErr(res, name, err)}
	}
	return storeErr(res, name, err)
}

// getStatus, setStatus and specOf reach the Status and Spec fields of any
// API type by reflection.
func getStatus(obj runtime.Object) reflect.Value { return fieldOf(obj, "Status") }

func setStatus(obj runtime.Object, v reflect.Value) {
	if f := fieldOf(obj, "Status"); f.IsValid() && v.IsValid() {
		f.Set(v)
	}
}

func specOf(obj runtime.Object) any {
	if f := fieldOf(obj, "Spec"); f.IsValid() {
		return f.Interface()
	}
	return nil
}

func fieldOf(obj runtime.Object, name string) reflect.Value {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v.Elem().FieldByName(name)
}
