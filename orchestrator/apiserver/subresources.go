package apiserver

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	scaleGVK    = autoscalingv1.SchemeGroupVersion.WithKind("Scale")
	bindingGVK  = corev1.SchemeGroupVersion.WithKind("Binding")
	evictionGVK = policyv1.SchemeGroupVersion.WithKind("Eviction")
)

// serveSubresource serves status, scale, pods/binding, pods/eviction and
// namespaces/finalize.
func (s *Server) serveSubresource(w http.ResponseWriter, r *http.Request, req request) error {
	res := req.res
	switch {
	case req.subresource == "status" && res.status, req.subresource == "finalize" && res.kind == "Namespace":
		return s.serveStatus(w, r, req)
	case req.subresource == "scale" && res.scale:
		return s.serveScale(w, r, req)
	case req.subresource == "binding" && res.kind == "Pod" && req.verb == "create":
		return s.bind(w, r, req)
	case req.subresource == "eviction" && res.kind == "Pod" && req.verb == "create":
		return s.evict(w, r, req)
	case kubeletPaths[req.subresource] != "" && res.kind == "Pod" && res.group == "":
		return s.proxyToKubelet(w, r, req)
	}
	s.serveNotFound(w, r)
	return nil
}

func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := negotiate(r)
	if err != nil {
		return err
	}
	if req.verb == "get" {
		return s.get(w, r, req)
	}
	wo, err := parseWriteOptions(r, req)
	if err != nil {
		return err
	}
	sub := "status"
	if req.subresource == "finalize" {
		sub = "" // finalize writes spec.finalizers: a plain update
	}
	var f updateFunc
	switch req.verb {
	case "update":
		obj, _, err := decodeBody(r, req.res.gvk())
		if err != nil {
			return err
		}
		wo.appliedFields = fieldSet(obj)
		f = func(runtime.Object) (runtime.Object, error) { return obj.DeepCopyObject(), nil }
	case "patch":
		p, err := parsePatch(r)
		if err != nil {
			return err
		}
		f = func(old runtime.Object) (runtime.Object, error) {
			obj, _, err := applyPatch(r, req.res.gvk(), old, p)
			return obj, err
		}
	default:
		return apierrors.NewMethodNotSupported(req.res.gr(), req.verb)
	}
	out, err := s.updateObject(r.Context(), req.res, req.namespace, req.name, sub, wo, f)
	if err != nil {
		return err
	}
	return s.respond(w, r, o, http.StatusOK, req.res, out)
}

// scaleOf is the Scale view of a Deployment, ReplicaSet or StatefulSet.
func scaleOf(obj runtime.Object) *autoscalingv1.Scale {
	m := metaOf(obj)
	sc := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: m.GetName(), Namespace: m.GetNamespace(),
		UID: m.GetUID(), ResourceVersion: m.GetResourceVersion(), CreationTimestamp: m.GetCreationTimestamp()}}
	if p, ok := fieldOf(obj, "Spec").FieldByName("Replicas").Interface().(*int32); ok && p != nil {
		sc.Spec.Replicas = *p
	}
	sc.Status.Replicas = int32(fieldOf(obj, "Status").FieldByName("Replicas").Int())
	if sel := selectorOf(obj); sel != nil {
		if ls, err := metav1.LabelSelectorAsSelector(sel); err == nil {
			sc.Status.Selector = ls.String()
		}
	}
	sc.SetGroupVersionKind(scaleGVK)
	return sc
}

func setReplicas(obj runtime.Object, n int32) {
	fieldOf(obj, "Spec").FieldByName("Replicas").Set(reflect.ValueOf(&n))
}

func (s *Server) serveScale(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := negotiate(r)
	if err != nil {
		return err
	}
	if req.verb == "get" {
		obj, err := s.getObject(r.Context(), req.res, req.namespace, req.name)
		if err != nil {
			return err
		}
		writeObject(w, http.StatusOK, o, scaleOf(obj))
		return nil
	}
	wo, err := parseWriteOptions(r, req)
	if err != nil {
		return err
	}
	f, err := scaleUpdate(r, req)
	if err != nil {
		return err
	}
	out, err := s.updateObject(r.Context(), req.res, req.namespace, req.name, "", wo, f)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, o, scaleOf(out))
	return nil
}

// scaleUpdate turns a Scale write (update or patch) into an update of the
// parent's spec.replicas.
func scaleUpdate(r *http.Request, req request) (updateFunc, error) {
	switch req.verb {
	case "update":
		obj, _, err := decodeBody(r, scaleGVK)
		if err != nil {
			return nil, err
		}
		sc := obj.(*autoscalingv1.Scale)
		return func(old runtime.Object) (runtime.Object, error) {
			setReplicas(old, sc.Spec.Replicas)
			metaOf(old).SetResourceVersion(sc.ResourceVersion)
			return old, nil
		}, nil
	case "patch":
		p, err := parsePatch(r)
		if err != nil {
			return nil, err
		}
		return func(old runtime.Object) (runtime.Object, error) {
			var buf bytes.Buffer
			if err := storageCodec.Encode(scaleOf(old), &buf); err != nil {
				return nil, err
			}
			patched, err := patchJSON(buf.Bytes(), p, &autoscalingv1.Scale{})
			if err != nil {
				return nil, err
			}
			obj, _, err := decodeBytes(r, patched, mediaJSON, scaleGVK)
			if err != nil {
				return nil, err
			}
			sc := obj.(*autoscalingv1.Scale)
			setReplicas(old, sc.Spec.Replicas)
			metaOf(old).SetResourceVersion(sc.ResourceVersion)
			return old, nil
		}, nil
	}
	return nil, apierrors.NewMethodNotSupported(req.res.gr(), req.verb)
}

// bind assigns a pod to a node (what the scheduler does): once only.
func (s *Server) bind(w http.ResponseWriter, r *http.Request, req request) error {
	obj, _, err := decodeBody(r, bindingGVK)
	if err != nil {
		return err
	}
	b := obj.(*corev1.Binding)
	if b.Target.Kind != "" && b.Target.Kind != "Node" || b.Target.Name == "" {
		return apierrors.NewInvalid(schema.GroupKind{Kind: "Binding"}, b.Name, nil)
	}
	wo, err := parseWriteOptions(r, req)
	if err != nil {
		return err
	}
	_, err = s.updateObject(r.Context(), req.res, req.namespace, req.name, "binding", wo, func(old runtime.Object) (runtime.Object, error) {
		pod := old.(*corev1.Pod)
		if pod.Spec.NodeName != "" {
			return nil, apierrors.NewConflict(req.res.gr(), pod.Name, fmt.Errorf("pod %s is already assigned to node %q", pod.Name, pod.Spec.NodeName))
		}
		if pod.DeletionTimestamp != nil {
			return nil, apierrors.NewConflict(req.res.gr(), pod.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name))
		}
		if b.UID != "" && b.UID != pod.UID {
			return nil, apierrors.NewConflict(req.res.gr(), pod.Name, fmt.Errorf("pod %s uid %s does not match the binding's %s", pod.Name, pod.UID, b.UID))
		}
		pod.Spec.NodeName = b.Target.Name
		setCondition(pod, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue})
		return pod, nil
	})
	if err != nil {
		return err
	}
	return writeSuccess(w, r, http.StatusCreated)
}

func setCondition(pod *corev1.Pod, c corev1.PodCondition) {
	c.LastTransitionTime = metav1.NewTime(time.Now().Truncate(time.Second))
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == c.Type {
			pod.Status.Conditions[i] = c
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, c)
}

// evict deletes a pod through the eviction API. skiff has no disruption
// budget checks: an eviction is a delete with the eviction's options.
func (s *Server) evict(w http.ResponseWriter, r *http.Request, req request) error {
	obj, _, err := decodeBody(r, evictionGVK)
	if err != nil {
		return err
	}
	ev := obj.(*policyv1.Eviction)
	opts := ev.DeleteOptions
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	wo, _ := parseWriteOptions(r, req)
	if _, err := s.deleteObject(r.Context(), req.res, req.namespace, req.name, opts, wo); err != nil {
		return err
	}
	return writeSuccess(w, r, http.StatusCreated)
}

func writeSuccess(w http.ResponseWriter, r *http.Request, code int) error {
	o, err := negotiate(r)
	if err != nil {
		return err
	}
	st := &metav1.Status{Status: metav1.StatusSuccess, Code: int32(code)}
	st.SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: "Status"})
	writeObject(w, code, o, st)
	return nil
}
