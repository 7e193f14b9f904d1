package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// EventType says what happened to a key.
type EventType int

const (
	Added    EventType = iota // the key was created
	Modified                  // the key was updated
	Deleted                   // the key was deleted; KV.Value is its last value
	Bookmark                  // every change up to KV.Revision has been sent
	Error                     // the watch ended; Err says why (ErrGone after compaction)
)

// Event is one change seen by a watch.
type Event struct {
	Type EventType
	KV   KV
	// Prev is the value before a Modified event (so a watcher with a
	// selector can tell an object entering or leaving it).
	Prev []byte
	Err  error
}

// WatchOptions tunes a watch.
type WatchOptions struct {
	// BookmarkInterval, if > 0, asks etcd for a progress notification this
	// often; each arrives as a Bookmark event.
	BookmarkInterval time.Duration
}

// Watch streams changes to the keys under prefix that happen after
// revision after (0 = from now). The channel closes when ctx ends or after
// an Error event.
func (s *Store) Watch(ctx context.Context, prefix string, after int64, o WatchOptions) <-chan Event {
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithPrevKV(), clientv3.WithProgressNotify()}
	if after > 0 {
		opts = append(opts, clientv3.WithRev(after+1))
	}
	wch := s.client.Watch(ctx, Prefix+prefix, opts...)
	out := make(chan Event, 100)
	if o.BookmarkInterval > 0 {
		go s.requestProgress(ctx, o.BookmarkInterval)
	}
	go func() {
		defer cancel()
		defer close(out)
		for resp := range wch {
			if !forward(ctx, out, resp) {
				return
			}
		}
		if ctx.Err() == nil {
			send(ctx, out, Event{Type: Error, Err: fmt.Errorf("watch %s: channel closed", prefix)})
		}
	}()
	return out
}

// requestProgress asks etcd, every interval, to tell the watches of this
// client which revision they have caught up to.
func (s *Store) requestProgress(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.client.RequestProgress(ctx)
		}
	}
}

// forward translates one etcd watch response; false ends the watch.
func forward(ctx context.Context, out chan<- Event, resp clientv3.WatchResponse) bool {
	if resp.CompactRevision != 0 {
		send(ctx, out, Event{Type: Error, Err: fmt.Errorf("watch: compacted up to revision %d: %w", resp.CompactRevision, ErrGone)})
		return false
	}
	if err := resp.Err(); err != nil {
		send(ctx, out, Event{Type: Error, Err: fmt.Errorf("watch: %w", mapErr(err))})
		return false
	}
	if resp.IsProgressNotify() {
		return send(ctx, out, Event{Type: Bookmark, KV: KV{Revision: resp.Header.Revision}})
	}
	for _, ev := range resp.Events {
		if !send(ctx, out, translate(ev)) {
			return false
		}
	}
	return true
}

func translate(ev *clientv3.Event) Event {
	key := strings.TrimPrefix(string(ev.Kv.Key), Prefix)
	switch {
	case ev.Type == clientv3.EventTypeDelete:
		var last []byte
		if ev.PrevKv != nil {
			last = ev.PrevKv.Value
		}
		return Event{Type: Deleted, KV: KV{Key: key, Value: last, Revision: ev.Kv.ModRevision}}
	case ev.IsCreate():
		return Event{Type: Added, KV: KV{Key: key, Value: ev.Kv.Value, Revision: ev.Kv.ModRevision}}
	default:
		var prev []byte
		if ev.PrevKv != nil {
			prev = ev.PrevKv.Value
		}
		return Event{Type: Modified, KV: KV{Key: key, Value: ev.Kv.Value, Revision: ev.Kv.ModRevision}, Prev: prev}
	}
}

func send(ctx context.Context, out chan<- Event, ev Event) bool {
	select {
	case out <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}
