package apiserver

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/skiffrun/skiff/orchestrator/store"
)

// watcher writes one watch response: a stream of WatchEvents.
type watcher struct {
	s       *Server
	r       *http.Request
	res     *resource
	o       output
	sel     selector
	enc     runtime.Encoder
	w       http.ResponseWriter
	frame   func([]byte) error
	flush   func()
	columns bool // the Table columns have been sent
}

func (s *Server) watch(w http.ResponseWriter, r *http.Request, req request) error {
	// metadata-only watches ask for the list form; events carry single items
	o, err := negotiate(r, "Table", "PartialObjectMetadata", "PartialObjectMetadataList")
	if err != nil {
		return err
	}
	lq, err := parseListQuery(r, req)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ctx, cancel := watchContext(r)
	defer cancel()
	initial, from, err := s.watchStart(ctx, req, lq, q.Get("resourceVersion"), q.Get("sendInitialEvents") == "true")
	if err != nil {
		return err
	}
	wopts := store.WatchOptions{}
	bookmarks := q.Get("allowWatchBookmarks") == "true"
	if bookmarks {
		wopts.BookmarkInterval = s.cfg.BookmarkInterval
	}
	events := s.store.Watch(ctx, req.res.prefix(req.namespace), from, wopts)
	wa := s.newWatcher(w, r, req.res, o, lq.sel)
	s.metrics.watches.WithLabelValues(req.group, req.resource).Inc()
	defer s.metrics.watches.WithLabelValues(req.group, req.resource).Dec()
	for _, obj := range initial {
		if err := wa.send(watch.Added, obj); err != nil {
			return nil
		}
	}
	if q.Get("sendInitialEvents") == "true" && bookmarks {
		_ = wa.bookmark(from, true)
	}
	wa.flush()
	wa.stream(ctx, events)
	return nil
}

// watchContext bounds a watch by its timeoutSeconds (kubectl and
// informers set one); watches otherwise last until the client leaves.
func watchContext(r *http.Request) (context.Context, context.CancelFunc) {
	if v, err := strconv.Atoi(r.URL.Query().Get("timeoutSeconds")); err == nil && v > 0 {
		return context.WithTimeout(r.Context(), time.Duration(v)*time.Second)
	}
	return context.WithCancel(r.Context())
}

// watchStart decides where the watch begins. Without a resourceVersion (or
// "0", or with sendInitialEvents) the client first gets the current state
// as ADDED events; with one, the changes after it.
func (s *Server) watchStart(ctx context.Context, req request, lq listQuery, rv string, initialEvents bool) ([]runtime.Object, int64, error) {
	if rv != "" && rv != "0" && !initialEvents {
		return nil, lq.revision, nil
	}
	lq.limit, lq.cont, lq.revision = 0, nil, 0
	list, err := s.listObjects(ctx, req.res, req.namespace, lq)
	if err != nil {
		return nil, 0, err
	}
	lm, _ := meta.ListAccessor(list)
	from, _ := strconv.ParseInt(lm.GetResourceVersion(), 10, 64)
	items, err := meta.ExtractList(list)
	return items, from, err
}

func (s *Server) newWatcher(w http.ResponseWriter, r *http.Request, res *resource, o output, sel selector) *watcher {
	stream := o.info.StreamSerializer
	fw := stream.Framer.NewFrameWriter(w)
	gv := res.gv()
	if o.as != "" {
		gv = metav1.SchemeGroupVersion
	}
	wa := &watcher{s: s, r: r, res: res, o: o, sel: sel, w: w,
		enc: Codecs.EncoderForVersion(stream.Serializer, gv)}
	wa.frame = func(b []byte) error { _, err := fw.Write(b); return err }
	wa.flush = func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	w.Header().Set("Content-Type", o.contentType())
	w.WriteHeader(http.StatusOK)
	return wa
}

// stream relays store events until the watch ends.
func (wa *watcher) stream(ctx context.Context, events <-chan store.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if err := wa.relay(ev); err != nil {
				return
			}
			if len(events) == 0 {
				wa.flush()
			}
		}
	}
}

var errWatchEnded = errors.New("watch ended")

func (wa *watcher) relay(ev store.Event) error {
	switch ev.Type {
	case store.Error:
		st := statusOf(storeErr(wa.res, "", ev.Err))
		if errors.Is(ev.Err, store.ErrGone) {
			st = statusOf(apierrors.NewResourceExpired("too old resource version"))
		}
		_ = wa.sendRaw(watch.Error, st)
		return errWatchEnded
	case store.Bookmark:
		return wa.bookmark(ev.KV.Revision, false)
	}
	obj, err := decodeStored(wa.res, ev.KV)
	if err != nil {
		return err
	}
	typ, ok := wa.eventType(ev, obj)
	if !ok {
		return nil
	}
	return wa.send(typ, obj)
}

// eventType is what a change looks like through the watch's selector: an
// object that starts matching is ADDED, one that stops is DELETED.
func (wa *watcher) eventType(ev store.Event, obj runtime.Object) (watch.EventType, bool) {
	now := wa.sel.matches(wa.res, obj)
	switch ev.Type {
	case store.Added:
		return watch.Added, now
	case store.Deleted:
		return watch.Deleted, now
	}
	if wa.sel.empty() || ev.Prev == nil {
		return watch.Modified, now
	}
	prev, err := decodeStored(wa.res, store.KV{Key: ev.KV.Key, Value: ev.Prev, Revision: ev.KV.Revision})
	before := err == nil && wa.sel.matches(wa.res, prev)
	switch {
	case now && before:
		return watch.Modified, true
	case now:
		return watch.Added, true
	case before:
		return watch.Deleted, true
	}
	return "", false
}

// bookmark tells the client it has seen everything up to rev.
func (wa *watcher) bookmark(rev int64, initialEnd bool) error {
	obj := wa.res.newObject()
	m := metaOf(obj)
	m.SetResourceVersion(strconv.FormatInt(rev, 10))
	if initialEnd {
		m.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
	}
	return wa.sendRaw(watch.Bookmark, obj)
}

func (wa *watcher) send(typ watch.EventType, obj runtime.Object) error {
	out, err := wa.transform(obj)
	if err != nil {
		return err
	}
	return wa.sendRaw(typ, out)
}

func (wa *watcher) transform(obj runtime.Object) (runtime.Object, error) {
	if wa.o.as != "Table" {
		return wa.s.transform(wa.r, wa.o, wa.res, obj)
	}
	t, err := wa.s.table(wa.r, wa.res, obj, wa.columns)
	wa.columns = true
	return t, err
}

func (wa *watcher) sendRaw(typ watch.EventType, obj runtime.Object) error {
	var body bytes.Buffer
	if err := wa.o.info.Serializer.Encode(obj, &body); err != nil {
		return err
	}
	ev := &metav1.WatchEvent{Type: string(typ), Object: runtime.RawExtension{Raw: body.Bytes()}}
	var buf bytes.Buffer
	if err := wa.enc.Encode(ev, &buf); err != nil {
		return err
	}
	return wa.frame(buf.Bytes())
}
