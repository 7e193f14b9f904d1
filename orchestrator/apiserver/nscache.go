package apiserver

import (
	"context"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiffrun/skiff/orchestrator/store"
)

// nsCache remembers the phase of every namespace, fed by a watch, so that
// a create does not read its namespace from etcd each time. A namespace
// the cache has not seen yet is read from the store.
type nsCache struct {
	mu     sync.RWMutex
	phases map[string]corev1.NamespacePhase
	synced bool
}

func (c *nsCache) get(name string) (corev1.NamespacePhase, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.phases[name]
	return p, ok && c.synced
}

func (c *nsCache) set(name string, p corev1.NamespacePhase, present bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !present {
		delete(c.phases, name)
		return
	}
	c.phases[name] = p
}

// watchNamespaces keeps the cache current until ctx ends, relisting when
// the watch breaks.
func (s *Server) watchNamespaces(ctx context.Context) {
	res := lookup("", "v1", "namespaces")
	for ctx.Err() == nil {
		list, err := s.listObjects(ctx, res, "", listQuery{sel: everything()})
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		phases := map[string]corev1.NamespacePhase{}
		for _, o := range items(list) {
			ns := o.(*corev1.Namespace)
			phases[ns.Name] = ns.Status.Phase
		}
		s.ns.mu.Lock()
		s.ns.phases, s.ns.synced = phases, true
		s.ns.mu.Unlock()
		rev, _ := strconv.ParseInt(list.(*corev1.NamespaceList).ResourceVersion, 10, 64)
		s.followNamespaces(ctx, res, rev)
	}
}

func (s *Server) followNamespaces(ctx context.Context, res *resource, rev int64) {
	for ev := range s.store.Watch(ctx, res.prefix(""), rev, store.WatchOptions{}) {
		if ev.Type == store.Error {
			return
		}
		if ev.Type == store.Bookmark {
			continue
		}
		obj, err := decodeStored(res, ev.KV)
		if err != nil {
			continue
		}
		ns := obj.(*corev1.Namespace)
		s.ns.set(ns.Name, ns.Status.Phase, ev.Type != store.Deleted)
	}
}
