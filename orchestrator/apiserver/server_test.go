package apiserver

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/skiffrun/skiff/internal/kubetest"
	"github.com/skiffrun/skiff/orchestrator/store"
)

// testStore starts embedded etcd in a temporary directory.
func testStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{
		DataDir:                     t.TempDir(),
		ClientURL:                   fmt.Sprintf("http://127.0.0.1:%d", kubetest.FreePort(t)),
		PeerURL:                     fmt.Sprintf("http://127.0.0.1:%d", kubetest.FreePort(t)),
		WatchProgressNotifyInterval: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testServer runs an API server over plain HTTP on loopback and returns
// its URL and a client-go clientset for it.
func testServer(t testing.TB, mutate ...func(*Config)) (*Server, string, *kubernetes.Clientset) {
	t.Helper()
	return serverOn(t, testStore(t), mutate...)
}

// externalStore runs Debian's etcd on loopback (killed at cleanup).
func externalStore(t testing.TB) *store.Store {
	t.Helper()
	const bin = "/usr/bin/etcd"
	if _, err := os.Stat(bin); err != nil {
		t.Skip("needs " + bin + " (apt install etcd-server)")
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
	st, err := store.Open(context.Background(), store.Config{Servers: []string{client}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func serverOn(t testing.TB, st *store.Store, mutate ...func(*Config)) (*Server, string, *kubernetes.Clientset) {
	t.Helper()
	cfg := Config{Store: st, BookmarkInterval: time.Second}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); s.Stop() })
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: ts.URL, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s, ts.URL, cs
}
