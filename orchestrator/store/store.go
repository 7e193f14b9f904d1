package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Prefix is the root of every key the store writes.
const Prefix = "/registry/"

// KV is one stored object: its key (relative to Prefix), its bytes and the
// etcd modification revision that serves as its resourceVersion.
type KV struct {
	Key      string
	Value    []byte
	Revision int64
}

// Store reads and writes objects in etcd.
type Store struct {
	client *clientv3.Client
	closer func() error
}

// New wraps an etcd client. Close closes the client.
func New(c *clientv3.Client) *Store {
	return &Store{client: c, closer: c.Close}
}

// Close releases the client and stops embedded etcd, if any.
func (s *Store) Close() error { return s.closer() }

// Key builds the key of one object: resource/namespace/name, or
// resource/name for a cluster-scoped object.
func Key(resource, namespace, name string) string {
	if namespace == "" {
		return resource + "/" + name
	}
	return resource + "/" + namespace + "/" + name
}

// PrefixOf is the key prefix of every object of a resource (namespace "")
// or of one namespace of it. It ends with a slash.
func PrefixOf(resource, namespace string) string {
	if namespace == "" {
		return resource + "/"
	}
	return resource + "/" + namespace + "/"
}

// Get reads one key.
func (s *Store) Get(ctx context.Context, key string) (KV, error) {
	resp, err := s.client.Get(ctx, Prefix+key)
	if err != nil {
		return KV{}, fmt.Errorf("get %s: %w", key, mapErr(err))
	}
	if len(resp.Kvs) == 0 {
		return KV{}, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	kv := resp.Kvs[0]
	return KV{Key: key, Value: kv.Value, Revision: kv.ModRevision}, nil
}

// Create writes a new key and returns its revision.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	k := Prefix + key
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(k), "=", 0)).
		Then(clientv3.OpPut(k, string(value))).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", key, mapErr(err))
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("create %s: %w", key, ErrExists)
	}
	return resp.Header.Revision, nil
}

// Update replaces an existing key. With rev > 0 it succeeds only if the
// key's modification revision is still rev.
func (s *Store) Update(ctx context.Context, key string, value []byte, rev int64) (int64, error) {
	k := Prefix + key
	cmp := clientv3.Compare(clientv3.CreateRevision(k), ">", 0)
	if rev > 0 {
		cmp = clientv3.Compare(clientv3.ModRevision(k), "=", rev)
	}
	resp, err := s.client.Txn(ctx).If(cmp).
		Then(clientv3.OpPut(k, string(value))).
		Else(clientv3.OpGet(k)).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("update %s: %w", key, mapErr(err))
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("update %s: %w", key, missingOrConflict(resp))
	}
	return resp.Header.Revision, nil
}

// Delete removes a key, only if its revision is still rev when rev > 0.
// It returns the deleted value and the revision of the deletion.
func (s *Store) Delete(ctx context.Context, key string, rev int64) (KV, error) {
	k := Prefix + key
	cmp := clientv3.Compare(clientv3.CreateRevision(k), ">", 0)
	if rev > 0 {
		cmp = clientv3.Compare(clientv3.ModRevision(k), "=", rev)
	}
	resp, err := s.client.Txn(ctx).If(cmp).
		Then(clientv3.OpDelete(k, clientv3.WithPrevKV())).
		Else(clientv3.OpGet(k)).
		Commit()
	if err != nil {
		return KV{}, fmt.Errorf("delete %s: %w", key, mapErr(err))
	}
	if !resp.Succeeded {
		return KV{}, fmt.Errorf("delete %s: %w", key, missingOrConflict(resp))
	}
	del := resp.Responses[0].GetResponseDeleteRange()
	if len(del.PrevKvs) == 0 {
		return KV{}, fmt.Errorf("delete %s: %w", key, ErrNotFound)
	}
	return KV{Key: key, Value: del.PrevKvs[0].Value, Revision: resp.Header.Revision}, nil
}

// missingOrConflict tells why a guarded transaction failed: its Else branch
// read the key, which is either gone or at another revision.
func missingOrConflict(resp *clientv3.TxnResponse) error {
	if len(resp.Responses) > 0 && len(resp.Responses[0].GetResponseRange().Kvs) == 0 {
		return ErrNotFound
	}
	return ErrConflict
}

// ListOptions selects a page of a list.
type ListOptions struct {
	Revision int64  // read at this revision; 0 = latest
	Limit    int64  // at most this many items; 0 = all
	StartKey string // continue from this key (inclusive), relative to Prefix
}

// ListResult is one page of a list.
type ListResult struct {
	Items     []KV
	Revision  int64 // the revision the list was read at
	More      bool  // more items follow; continue from NextKey
	NextKey   string
	Remaining int64 // items after this page
}

// List reads the keys under prefix, at one revision.
func (s *Store) List(ctx context.Context, prefix string, o ListOptions) (ListResult, error) {
	start := Prefix + prefix
	if o.StartKey != "" {
		if !strings.HasPrefix(o.StartKey, prefix) {
			return ListResult{}, fmt.Errorf("list %s: start key %q is outside the prefix", prefix, o.StartKey)
		}
		start = Prefix + o.StartKey
	}
	opts := []clientv3.OpOption{clientv3.WithRange(clientv3.GetPrefixRangeEnd(Prefix + prefix))}
	if o.Revision > 0 {
		opts = append(opts, clientv3.WithRev(o.Revision))
	}
	if o.Limit > 0 {
		opts = append(opts, clientv3.WithLimit(o.Limit))
	}
	resp, err := s.client.Get(ctx, start, opts...)
	if err != nil {
		return ListResult{}, fmt.Errorf("list %s: %w", prefix, mapErr(err))
	}
	res := ListResult{Revision: resp.Header.Revision, More: resp.More}
	if o.Revision > 0 {
		res.Revision = o.Revision
	}
	for _, kv := range resp.Kvs {
		res.Items = append(res.Items, KV{Key: strings.TrimPrefix(string(kv.Key), Prefix), Value: kv.Value, Revision: kv.ModRevision})
	}
	if res.More && len(res.Items) > 0 {
		res.NextKey = res.Items[len(res.Items)-1].Key + "\x00"
		res.Remaining = resp.Count - int64(len(res.Items))
	}
	return res, nil
}

// Revision returns the current revision of the whole store.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	resp, err := s.client.Get(ctx, Prefix, clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("read revision: %w", mapErr(err))
	}
	return resp.Header.Revision, nil
}

// Compact discards history before rev: watches and lists from older
// revisions then fail with ErrGone.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	if _, err := s.client.Compact(ctx, rev); err != nil {
		return fmt.Errorf("compact to %d: %w", rev, mapErr(err))
	}
	return nil
}

// Client exposes the etcd client, for benchmarks that compare raw puts with
// the API server.
func (s *Store) Client() *clientv3.Client { return s.client }

func mapErr(err error) error {
	if errors.Is(err, rpctypes.ErrCompacted) || errors.Is(err, rpctypes.ErrGRPCCompacted) {
		return fmt.Errorf("%w: %v", ErrGone, err)
	}
	if errors.Is(err, rpctypes.ErrFutureRev) || errors.Is(err, rpctypes.ErrGRPCFutureRev) {
		return fmt.Errorf("revision is in the future: %w", err)
	}
	return err
}
