package apiserver

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiffrun/skiff/orchestrator/store"
)

// builtinNamespaces exist from the first start and cannot be deleted
// (except kube-node-lease).
var builtinNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

var protectedNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true}

// bootstrap creates the built-in namespaces if they are missing.
func (s *Server) bootstrap(ctx context.Context) error {
	res := lookup("", "v1", "namespaces")
	for _, name := range builtinNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		_, err := s.createObject(ctx, res, ns, writeOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

// namespaceAccepts refuses new objects in namespaces that do not exist or
// are being deleted (Kubernetes' NamespaceLifecycle admission).
func (s *Server) namespaceAccepts(ctx context.Context, res *resource, namespace string) error {
	if !res.namespaced {
		return nil
	}
	phase, ok := s.ns.get(namespace)
	if !ok {
		obj, err := s.getObject(ctx, lookup("", "v1", "namespaces"), "", namespace)
		if err != nil {
			return err
		}
		phase = obj.(*corev1.Namespace).Status.Phase
	}
	if phase == corev1.NamespaceTerminating {
		return apierrors.NewForbidden(res.gr(), "", &terminatingError{namespace})
	}
	return nil
}

type terminatingError struct{ ns string }

func (e *terminatingError) Error() string {
	return "unable to create new content in namespace " + e.ns + " because it is being terminated"
}

// terminateNamespace marks a namespace Terminating; a background task
// deletes its contents and then the namespace itself.
func (s *Server) terminateNamespace(ctx context.Context, kv store.KV, ns *corev1.Namespace, dryRun bool) (runtime.Object, error) {
	if protectedNamespaces[ns.Name] {
		return nil, apierrors.NewForbidden(lookup("", "v1", "namespaces").gr(), ns.Name,
			errString("this namespace may not be deleted"))
	}
	if dryRun || ns.Status.Phase == corev1.NamespaceTerminating {
		return ns, nil
	}
	old := ns.DeepCopy()
	ns.Status.Phase = corev1.NamespaceTerminating
	ns.DeletionTimestamp = &metav1.Time{Time: time.Now().Truncate(time.Second)}
	out, err := s.commitUpdate(ctx, lookup("", "v1", "namespaces"), kv, ns, old, true, writeOptions{})
	if err != nil {
		return nil, err
	}
	name := ns.Name
	s.goBackground(func(ctx context.Context) { s.emptyNamespace(ctx, name) })
	return out, nil
}

type errString string

func (e errString) Error() string { return string(e) }

// emptyNamespace deletes everything in a namespace until nothing is left,
// then the namespace.
func (s *Server) emptyNamespace(ctx context.Context, name string) {
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		if s.deleteContents(ctx, name) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
	if _, err := s.store.Delete(ctx, lookup("", "v1", "namespaces").key("", name), 0); err != nil {
		s.log.Debug("delete namespace", "name", name, "err", err)
	}
}

// deleteContents deletes what is in a namespace and returns how many
// objects were still there.
func (s *Server) deleteContents(ctx context.Context, ns string) int {
	left := 0
	for _, res := range resources {
		if !res.namespaced || !res.stored() || res.view != nil {
			continue
		}
		list, err := s.listObjects(ctx, res, ns, listQuery{sel: everything()})
		if err != nil {
			left++
			continue
		}
		for _, item := range items(list) {
			left++
			if metaOf(item).GetDeletionTimestamp() != nil {
				continue
			}
			bg := metav1.DeletePropagationBackground
			_, _ = s.deleteObject(ctx, res, ns, metaOf(item).GetName(), &metav1.DeleteOptions{PropagationPolicy: &bg}, writeOptions{})
		}
	}
	return left
}

// resumeTermination restarts the emptying of namespaces that were
// Terminating when the server stopped.
func (s *Server) resumeTermination(ctx context.Context) {
	list, err := s.listObjects(ctx, lookup("", "v1", "namespaces"), "", listQuery{sel: everything()})
	if err != nil {
		return
	}
	for _, item := range items(list) {
		if ns := item.(*corev1.Namespace); ns.Status.Phase == corev1.NamespaceTerminating {
			name := ns.Name
			s.goBackground(func(ctx context.Context) { s.emptyNamespace(ctx, name) })
		}
	}
}

// compactLoop compacts etcd's history every 5 minutes, to the revision
// seen 5 minutes before, as kube-apiserver does.
func (s *Server) compactLoop(ctx context.Context) {
	var last int64
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rev, err := s.store.Revision(ctx)
		if err != nil {
			continue
		}
		if last > 0 {
			if err := s.store.Compact(ctx, last); err != nil {
				s.log.Debug("compact", "revision", last, "err", err)
			}
		}
		last = rev
	}
}
