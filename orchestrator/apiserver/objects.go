package apiserver

import (
	"bytes"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiffrun/skiff/orchestrator/store"
)

// decodeStored turns a stored value into a typed object whose
// resourceVersion is the key's revision.
func decodeStored(res *resource, kv store.KV) (runtime.Object, error) {
	obj := res.newObject()
	if res.view != nil {
		obj, _ = Scheme.New(res.view.stored)
	}
	if _, _, err := storageCodec.Decode(kv.Value, nil, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", kv.Key, err)
	}
	if res.view != nil {
		obj = res.view.fromStored(obj)
	}
	obj.GetObjectKind().SetGroupVersionKind(res.gvk())
	m := metaOf(obj)
	m.SetResourceVersion(fmt.Sprint(kv.Revision))
	return obj, nil
}

// encodeStored is the stored form of obj: JSON without resourceVersion
// (etcd's revision is the resourceVersion).
func encodeStored(res *resource, obj runtime.Object) ([]byte, error) {
	m := metaOf(obj)
	rv := m.GetResourceVersion()
	m.SetResourceVersion("")
	defer m.SetResourceVersion(rv)
	obj.GetObjectKind().SetGroupVersionKind(res.gvk())
	if res.view != nil {
		obj = res.view.toStored(obj)
		obj.GetObjectKind().SetGroupVersionKind(res.view.stored)
		metaOf(obj).SetResourceVersion("")
	}
	var buf bytes.Buffer
	if err := storageCodec.Encode(obj, &buf); err != nil {
		return nil, fmt.Errorf("encode %s: %w", res.name, err)
	}
	return buf.Bytes(), nil
}

func metaOf(obj runtime.Object) metav1.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		panic(fmt.Sprintf("%T has no object metadata", obj))
	}
	return m
}

func (r *resource) key(namespace, name string) string {
	if !r.namespaced {
		namespace = ""
	}
	return store.Key(r.storage, namespace, name)
}

func (r *resource) prefix(namespace string) string {
	if !r.namespaced {
		namespace = ""
	}
	return store.PrefixOf(r.storage, namespace)
}

func groupResource(group, resource string) schema.GroupResource {
	return schema.GroupResource{Group: group, Resource: resource}
}

// selector is a parsed labelSelector and fieldSelector.
type selector struct {
	labels labels.Selector
	fields fields.Selector
}

func parseSelector(res *resource, labelSel, fieldSel string) (selector, error) {
	ls, err := labels.Parse(labelSel)
	if err != nil {
		return selector{}, apierrors.NewBadRequest(fmt.Sprintf("unable to parse labelSelector %q: %v", labelSel, err))
	}
	fs, err := fields.ParseSelector(fieldSel)
	if err != nil {
		return selector{}, apierrors.NewBadRequest(fmt.Sprintf("unable to parse fieldSelector %q: %v", fieldSel, err))
	}
	supported := fieldLabels(res)
	for _, req := range fs.Requirements() {
		if !supported[req.Field] {
			return selector{}, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
		}
	}
	return selector{labels: ls, fields: fs}, nil
}

func (s selector) empty() bool { return s.labels.Empty() && s.fields.Empty() }

func (s selector) matches(res *resource, obj runtime.Object) bool {
	m := metaOf(obj)
	if !s.labels.Matches(labels.Set(m.GetLabels())) {
		return false
	}
	return s.fields.Empty() || s.fields.Matches(fieldsOf(res, obj))
}

// fieldLabels lists the fields a kind can be selected by.
func fieldLabels(res *resource) map[string]bool {
	out := map[string]bool{"metadata.name": true, "metadata.namespace": true}
	for k := range fieldsOf(res, res.newObject()) {
		out[k] = true
	}
	return out
}

// fieldsOf is the field set of an object for field selectors.
func fieldsOf(res *resource, obj runtime.Object) fields.Set {
	m := metaOf(obj)
	set := fields.Set{"metadata.name": m.GetName(), "metadata.namespace": m.GetNamespace()}
	switch o := obj.(type) {
	case *corev1.Pod:
		set["spec.nodeName"] = o.Spec.NodeName
		set["spec.restartPolicy"] = string(o.Spec.RestartPolicy)
		set["spec.schedulerName"] = o.Spec.SchedulerName
		set["spec.serviceAccountName"] = o.Spec.ServiceAccountName
		set["spec.hostNetwork"] = fmt.Sprint(o.Spec.HostNetwork)
		set["status.phase"] = string(o.Status.Phase)
		set["status.podIP"] = o.Status.PodIP
		set["status.nominatedNodeName"] = o.Status.NominatedNodeName
	case *corev1.Event:
		set["involvedObject.kind"] = o.InvolvedObject.Kind
		set["involvedObject.namespace"] = o.InvolvedObject.Namespace
		set["involvedObject.name"] = o.InvolvedObject.Name
		set["involvedObject.uid"] = string(o.InvolvedObject.UID)
		set["involvedObject.apiVersion"] = o.InvolvedObject.APIVersion
		set["involvedObject.resourceVersion"] = o.InvolvedObject.ResourceVersion
		set["involvedObject.fieldPath"] = o.InvolvedObject.FieldPath
		set["reason"] = o.Reason
		set["reportingComponent"] = o.ReportingController
		set["source"] = o.Source.Component
		set["type"] = o.Type
	case *corev1.Secret:
		set["type"] = string(o.Type)
	case *corev1.Node:
		set["spec.unschedulable"] = fmt.Sprint(o.Spec.Unschedulable)
	case *corev1.Namespace:
		set["status.phase"] = string(o.Status.Phase)
	case *corev1.PersistentVolumeClaim:
		set["spec.volumeName"] = o.Spec.VolumeName
	case *appsv1.ReplicaSet:
		set["status.replicas"] = fmt.Sprint(o.Status.Replicas)
	case *batchv1.Job:
		set["status.successful"] = fmt.Sprint(o.Status.Succeeded)
	}
	return set
}

func everything() selector { return selector{labels: labels.Everything(), fields: fields.Everything()} }
