package apiserver

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

func pod(name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
}

func TestListPagingAndSelectors(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods("default")
	for i := range 5 {
		if _, err := pods.Create(ctx, pod(fmt.Sprintf("p%d", i), map[string]string{"even": fmt.Sprint(i%2 == 0)}), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	opts := metav1.ListOptions{Limit: 2}
	for {
		page, err := pods.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Items {
			names = append(names, p.Name)
		}
		if page.Continue == "" {
			break
		}
		opts.Continue = page.Continue
	}
	if strings.Join(names, ",") != "p0,p1,p2,p3,p4" {
		t.Fatalf("paged: %v", names)
	}
	even, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "even=true", Limit: 2})
	if err != nil || len(even.Items) != 2 || even.Continue == "" {
		t.Fatalf("selector page: %d items, continue %q, %v", len(even.Items), even.Continue, err)
	}
	byName, _ := pods.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=p3"})
	pending, _ := pods.List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Pending,spec.nodeName="})
	if len(byName.Items) != 1 || len(pending.Items) != 5 {
		t.Fatalf("field selectors: %d by name, %d pending", len(byName.Items), len(pending.Items))
	}
	all, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil || len(all.Items) != 5 {
		t.Fatalf("all namespaces: %d %v", len(all.Items), err)
	}
	if _, err := pods.List(ctx, metav1.ListOptions{Continue: "bogus"}); !apierrors.IsBadRequest(err) {
		t.Fatalf("bad continue: %v", err)
	}
}

func next(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event in 10s")
	}
	return watch.Event{}
}

func TestWatch(t *testing.T) {
	s, _, cs := testServer(t)
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("default")
	first, _ := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "before"}}, metav1.CreateOptions{})
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: first.ResourceVersion, AllowWatchBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	cm, _ := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "w"}}, metav1.CreateOptions{})
	cm.Data = map[string]string{"a": "b"}
	cms.Update(ctx, cm, metav1.UpdateOptions{})
	cms.Delete(ctx, "w", metav1.DeleteOptions{})
	for _, want := range []watch.EventType{watch.Added, watch.Modified, watch.Deleted} {
		if ev := next(t, w); ev.Type != want || ev.Object.(*corev1.ConfigMap).Name != "w" {
			t.Fatalf("event %v %T, want %v of w", ev.Type, ev.Object, want)
		}
	}
	if ev := next(t, w); ev.Type != watch.Bookmark {
		t.Fatalf("event %v, want a bookmark", ev.Type)
	}
	// a single-object watch starts with the object as ADDED
	one, err := cms.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=before"})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Stop()
	if ev := next(t, one); ev.Type != watch.Added || ev.Object.(*corev1.ConfigMap).Name != "before" {
		t.Fatalf("single-object watch: %v", ev.Type)
	}
	// after compaction an old resourceVersion is gone: 410 as a watch ERROR
	rev, _ := s.store.Revision(ctx)
	if err := s.store.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	old, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: first.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	ev := next(t, old)
	if st, ok := ev.Object.(*metav1.Status); ev.Type != watch.Error || !ok || st.Code != 410 {
		t.Fatalf("watch from compacted rv: %v %+v", ev.Type, ev.Object)
	}
}

func TestProtobufAndInformer(t *testing.T) {
	_, url, _ := testServer(t)
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: url, ContentConfig: rest.ContentConfig{
		ContentType: "application/vnd.kubernetes.protobuf", AcceptContentTypes: "application/vnd.kubernetes.protobuf,application/json"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := cs.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pb"},
		StringData: map[string]string{"pw": "x"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f := informers.NewSharedInformerFactory(cs, 0)
	inf := f.Core().V1().Secrets().Informer()
	added := make(chan string, 10)
	inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(o any) { added <- o.(*corev1.Secret).Name }})
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("informer did not sync")
	}
	cs.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "later"}}, metav1.CreateOptions{})
	seen := map[string]bool{}
	for !seen["pb"] || !seen["later"] {
		select {
		case n := <-added:
			seen[n] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("informer saw %v", seen)
		}
	}
	s, _ := cs.CoreV1().Secrets("default").Get(ctx, "pb", metav1.GetOptions{})
	if string(s.Data["pw"]) != "x" || len(s.StringData) != 0 {
		t.Fatalf("stringData not moved to data: %+v", s)
	}
}

func TestWatchSelectorTransitions(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("default")
	cm, _ := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{})
	w, err := cms.Watch(ctx, metav1.ListOptions{LabelSelector: "team=a", ResourceVersion: cm.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	cm.Labels = map[string]string{"team": "a"}
	cm, _ = cms.Update(ctx, cm, metav1.UpdateOptions{})
	cm.Labels["team"] = "b"
	cms.Update(ctx, cm, metav1.UpdateOptions{})
	for _, want := range []watch.EventType{watch.Added, watch.Deleted} {
		if ev := next(t, w); ev.Type != want {
			t.Fatalf("event %v, want %v", ev.Type, want)
		}
	}
}

// TestExternalEtcd runs the API server on an external etcd (Debian's).
func TestExternalEtcd(t *testing.T) {
	_, _, cs := serverOn(t, externalStore(t))
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("default")
	first, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: first.ResourceVersion, AllowWatchBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "b"}}, metav1.CreateOptions{})
	if ev := next(t, w); ev.Type != watch.Added {
		t.Fatalf("event %v", ev.Type)
	}
	if ev := next(t, w); ev.Type != watch.Bookmark {
		t.Fatalf("event %v, want a bookmark", ev.Type)
	}
}

// TestMetadataClient lists and watches through client-go's metadata
// client (PartialObjectMetadata), as garbage collectors do.
func TestMetadataClient(t *testing.T) {
	_, url, cs := testServer(t)
	ctx := context.Background()
	cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "m", Labels: map[string]string{"x": "y"}}}, metav1.CreateOptions{})
	mc, err := metadata.NewForConfig(&rest.Config{Host: url})
	if err != nil {
		t.Fatal(err)
	}
	gvr := corev1.SchemeGroupVersion.WithResource("configmaps")
	list, err := mc.Resource(gvr).Namespace("default").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.Items[0].Labels["x"] != "y" {
		t.Fatalf("metadata list: %v %v", list, err)
	}
	w, err := mc.Resource(gvr).Namespace("default").Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	cs.CoreV1().ConfigMaps("default").Delete(ctx, "m", metav1.DeleteOptions{})
	if ev := next(t, w); ev.Type != watch.Deleted || ev.Object.(*metav1.PartialObjectMetadata).Name != "m" {
		t.Fatalf("metadata watch: %v %+v", ev.Type, ev.Object)
	}
}
