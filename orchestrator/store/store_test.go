package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/skiffrun/skiff/internal/kubetest"
)

// OpenTestEmbedded starts embedded etcd in a temporary directory.
func openTestEmbedded(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{
		DataDir:                     t.TempDir(),
		ClientURL:                   fmt.Sprintf("http://127.0.0.1:%d", kubetest.FreePort(t)),
		PeerURL:                     fmt.Sprintf("http://127.0.0.1:%d", kubetest.FreePort(t)),
		WatchProgressNotifyInterval: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openTestExternal runs Debian's etcd binary on loopback and connects to it.
func openTestExternal(t *testing.T) *Store {
	t.Helper()
	bin := "/usr/bin/etcd"
	if _, err := os.Stat(bin); err != nil {
		t.Skip("needs /usr/bin/etcd (apt install etcd-server)")
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", kubetest.FreePort(t))
	peer := fmt.Sprintf("http://127.0.0.1:%d", kubetest.FreePort(t))
	cmd := exec.Command(bin, "--data-dir", t.TempDir(), "--name", "test",
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "test="+peer, "--log-level", "error")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	s, err := Open(context.Background(), Config{Servers: []string{client}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestEmbedded(t *testing.T) { conformance(t, openTestEmbedded(t)) }
func TestExternal(t *testing.T) { conformance(t, openTestExternal(t)) }

func conformance(t *testing.T, s *Store) {
	t.Run("CreateGetUpdateDelete", func(t *testing.T) { testCRUD(t, s) })
	t.Run("List", func(t *testing.T) { testList(t, s) })
	t.Run("Watch", func(t *testing.T) { testWatch(t, s) })
	t.Run("Compaction", func(t *testing.T) { testCompaction(t, s) })
}

func testCRUD(t *testing.T, s *Store) {
	ctx := context.Background()
	key := Key("configmaps", "default", "a")
	rev, err := s.Create(ctx, key, []byte("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, key, []byte("again")); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
	kv, err := s.Get(ctx, key)
	if err != nil || string(kv.Value) != "v1" || kv.Revision != rev {
		t.Fatalf("get: %+v %v, want v1 at %d", kv, err, rev)
	}
	rev2, err := s.Update(ctx, key, []byte("v2"), rev)
	if err != nil || rev2 <= rev {
		t.Fatalf("update: %d %v", rev2, err)
	}
	if _, err := s.Update(ctx, key, []byte("stale"), rev); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	if _, err := s.Delete(ctx, key, rev); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale delete: %v, want ErrConflict", err)
	}
	if _, err := s.Update(ctx, Key("configmaps", "default", "missing"), []byte("x"), 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update missing: %v, want ErrNotFound", err)
	}
	old, err := s.Delete(ctx, key, rev2)
	if err != nil || string(old.Value) != "v2" {
		t.Fatalf("delete: %+v %v", old, err)
	}
	if _, err := s.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v, want ErrNotFound", err)
	}
}

func testList(t *testing.T, s *Store) {
	ctx := context.Background()
	for i := range 5 {
		if _, err := s.Create(ctx, Key("pods", "ns1", fmt.Sprintf("p%d", i)), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(ctx, Key("pods", "ns2", "other"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	all, err := s.List(ctx, PrefixOf("pods", ""), ListOptions{})
	if err != nil || len(all.Items) != 6 {
		t.Fatalf("list all: %d items, %v", len(all.Items), err)
	}
	var names []string
	opts := ListOptions{Limit: 2}
	for {
		page, err := s.List(ctx, PrefixOf("pods", "ns1"), opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range page.Items {
			names = append(names, kv.Key)
		}
		if !page.More {
			break
		}
		if page.Remaining == 0 {
			t.Fatalf("page with More has Remaining 0")
		}
		opts = ListOptions{Limit: 2, StartKey: page.NextKey, Revision: page.Revision}
	}
	if len(names) != 5 || names[0] != "pods/ns1/p0" || names[4] != "pods/ns1/p4" {
		t.Fatalf("paged list: %v", names)
	}
}

func testWatch(t *testing.T, s *Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start, err := s.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := Key("secrets", "w", "s")
	rev, _ := s.Create(ctx, key, []byte("1"))
	rev, _ = s.Update(ctx, key, []byte("2"), rev)
	s.Delete(ctx, key, rev)
	ch := s.Watch(ctx, PrefixOf("secrets", ""), start, WatchOptions{BookmarkInterval: 200 * time.Millisecond})
	want := []EventType{Added, Modified, Deleted}
	for i, w := range want {
		ev := <-ch
		if ev.Type != w || ev.KV.Key != key {
			t.Fatalf("event %d: %+v, want type %d", i, ev, w)
		}
	}
	for ev := range ch {
		if ev.Type == Bookmark {
			if ev.KV.Revision < rev {
				t.Fatalf("bookmark at %d before last change %d", ev.KV.Revision, rev)
			}
			return
		}
	}
	t.Fatal("no bookmark")
}

func testCompaction(t *testing.T, s *Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	key := Key("leases", "c", "l")
	first, _ := s.Create(ctx, key, []byte("1"))
	last, _ := s.Update(ctx, key, []byte("2"), first)
	if err := s.Compact(ctx, last); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(ctx, PrefixOf("leases", ""), ListOptions{Revision: first}); !errors.Is(err, ErrGone) {
		t.Fatalf("list at compacted revision: %v, want ErrGone", err)
	}
	ev := <-s.Watch(ctx, PrefixOf("leases", ""), first-1, WatchOptions{})
	if ev.Type != Error || !errors.Is(ev.Err, ErrGone) {
		t.Fatalf("watch from compacted revision: %+v, want ErrGone", ev)
	}
}
