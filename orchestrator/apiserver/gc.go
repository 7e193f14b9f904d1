package apiserver

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// A small garbage collector inside the API server: when an owner goes, its
// dependents (objects whose ownerReferences name its uid) go too —
// afterwards for Background, before it for Foreground — or lose the
// reference for Orphan. Kubernetes runs this in the controller manager;
// skiff keeps it here so deletion behaves the same with no controllers.

// dependents finds the objects that name owner among their owners.
func (s *Server) dependents(ctx context.Context, owner metav1.Object) []runtime.Object {
	var out []runtime.Object
	for _, res := range resources {
		if !res.namespaced || !res.stored() || res.view != nil {
			continue
		}
		list, err := s.listObjects(ctx, res, owner.GetNamespace(), listQuery{sel: everything()})
		if err != nil {
			continue
		}
		for _, item := range items(list) {
			if ownedBy(metaOf(item), owner.GetUID()) {
				out = append(out, item)
			}
		}
	}
	return out
}

func ownedBy(m metav1.Object, uid types.UID) bool {
	for _, ref := range m.GetOwnerReferences() {
		if ref.UID == uid {
			return true
		}
	}
	return false
}

func resourceOf(obj runtime.Object) *resource {
	gvk := obj.GetObjectKind().GroupVersionKind()
	for _, r := range resources {
		if r.gvk() == gvk && r.stored() {
			return r
		}
	}
	return nil
}

// afterDelete starts the background collection of an owner's dependents.
func (s *Server) afterDelete(res *resource, obj runtime.Object, policy metav1.DeletionPropagation) {
	if policy == metav1.DeletePropagationOrphan {
		return
	}
	owner := metaOf(obj)
	s.goBackground(func(ctx context.Context) { s.deleteDependents(ctx, owner, metav1.DeletePropagationBackground) })
}

// deleteDependents deletes the dependents whose only owner is owner, and
// removes owner from the references of the others.
func (s *Server) deleteDependents(ctx context.Context, owner metav1.Object, policy metav1.DeletionPropagation) {
	for _, dep := range s.dependents(ctx, owner) {
		res, m := resourceOf(dep), metaOf(dep)
		if res == nil {
			continue
		}
		if len(m.GetOwnerReferences()) > 1 {
			s.dropOwner(ctx, res, m, owner.GetUID())
			continue
		}
		opts := &metav1.DeleteOptions{PropagationPolicy: &policy}
		_, err := s.deleteObject(ctx, res, m.GetNamespace(), m.GetName(), opts, writeOptions{})
		if err != nil {
			s.log.Debug("collect dependent", "kind", res.kind, "name", m.GetName(), "err", err)
		}
	}
}

func (s *Server) orphanDependents(ctx context.Context, res *resource, owner metav1.Object) {
	for _, dep := range s.dependents(ctx, owner) {
		if r := resourceOf(dep); r != nil {
			s.dropOwner(ctx, r, metaOf(dep), owner.GetUID())
		}
	}
}

func (s *Server) dropOwner(ctx context.Context, res *resource, m metav1.Object, uid types.UID) {
	_, err := s.updateObject(ctx, res, m.GetNamespace(), m.GetName(), "", writeOptions{}, func(obj runtime.Object) (runtime.Object, error) {
		om := metaOf(obj)
		var refs []metav1.OwnerReference
		for _, ref := range om.GetOwnerReferences() {
			if ref.UID != uid {
				refs = append(refs, ref)
			}
		}
		om.SetOwnerReferences(refs)
		om.SetResourceVersion("")
		return obj, nil
	})
	if err != nil {
		s.log.Debug("orphan dependent", "name", m.GetName(), "err", err)
	}
}

// foregroundDelete deletes an owner's dependents, waits until none is
// left, then removes the owner's foregroundDeletion finalizer (which
// deletes the owner if it was the last).
func (s *Server) foregroundDelete(ctx context.Context, res *resource, owner metav1.Object) {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		s.deleteDependents(ctx, owner, metav1.DeletePropagationForeground)
		if len(s.dependents(ctx, owner)) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
	_, err := s.updateObject(ctx, res, owner.GetNamespace(), owner.GetName(), "", writeOptions{}, func(obj runtime.Object) (runtime.Object, error) {
		m := metaOf(obj)
		var keep []string
		for _, f := range m.GetFinalizers() {
			if f != metav1.FinalizerDeleteDependents {
				keep = append(keep, f)
			}
		}
		m.SetFinalizers(keep)
		m.SetResourceVersion("")
		return obj, nil
	})
	if err != nil {
		s.log.Debug("finish foreground deletion", "name", owner.GetName(), "err", err)
	}
}
