package pull

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/skiffrun/skiff/image/store"
)

// testRegistry is go-containerregistry's in-process registry on loopback,
// with a hook that may answer a request instead of the registry.
type testRegistry struct {
	host      string
	blobGets  atomic.Int32
	intercept atomic.Pointer[func(http.ResponseWriter, *http.Request) bool]
}

func startRegistry(t *testing.T) *testRegistry {
	t.Helper()
	tr := &testRegistry{}
	reg := registry.New(registry.Logger(nilLogger()))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			tr.blobGets.Add(1)
		}
		if f := tr.intercept.Load(); f != nil && (*f)(w, r) {
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tr.host = strings.TrimPrefix(srv.URL, "http://")
	return tr
}

func (tr *testRegistry) on(f func(http.ResponseWriter, *http.Request) bool) { tr.intercept.Store(&f) }

func (tr *testRegistry) push(t *testing.T, repo string, img v1.Image) string {
	t.Helper()
	r, err := name.ParseReference(tr.host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	return r.String()
}

func newStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "images"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomImage(t *testing.T, layers int) v1.Image {
	t.Helper()
	img, err := random.Image(4096, int64(layers))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestPullAndResume(t *testing.T) {
	tr := startRegistry(t)
	img := randomImage(t, 3)
	ref := tr.push(t, "app:v1", img)
	st := newStore(t)
	var out bytes.Buffer
	tr.blobGets.Store(0)
	got, err := Pull(context.Background(), st, ref, Options{Progress: &out})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if got.Digest != want {
		t.Errorf("digest %s, want %s", got.Digest, want)
	}
	if n := strings.Count(out.String(), "pull complete"); n != 3 {
		t.Errorf("progress shows %d completed layers, want 3:\n%s", n, out.String())
	}
	before := tr.blobGets.Load()
	out.Reset()
	if _, err := Pull(context.Background(), st, ref, Options{Progress: &out}); err != nil {
		t.Fatal(err)
	}
	if after := tr.blobGets.Load(); after != before {
		t.Errorf("second pull fetched %d blobs, want 0", after-before)
	}
	if n := strings.Count(out.String(), "already exists"); n != 3 {
		t.Errorf("second pull progress:\n%s", out.String())
	}
}

func TestPullByDigest(t *testing.T) {
	tr := startRegistry(t)
	img := randomImage(t, 1)
	tr.push(t, "app:v1", img)
	d, _ := img.Digest()
	got, err := Pull(context.Background(), newStore(t), tr.host+"/app@"+d.String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := tr.host + "/app@" + d.String(); got.Name != want || got.Digest != d {
		t.Errorf("pulled %s %s, want %s", got.Name, got.Digest, want)
	}
}

func TestEnsurePrefersLocal(t *testing.T) {
	tr := startRegistry(t)
	ref := tr.push(t, "app:v1", randomImage(t, 1))
	st := newStore(t)
	if _, err := Ensure(context.Background(), st, ref, Options{}); err != nil {
		t.Fatal(err)
	}
	tr.on(func(w http.ResponseWriter, r *http.Request) bool {
		t.Errorf("Ensure of a local image asked the registry: %s", r.URL)
		return false
	})
	if _, err := Ensure(context.Background(), st, ref, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestPullPicksHostPlatform(t *testing.T) {
	tr := startRegistry(t)
	host, other := randomImage(t, 1), randomImage(t, 1)
	otherArch := "arm64"
	if HostPlatform().Architecture == "arm64" {
		otherArch = "amd64"
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: other, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: otherArch}}},
		mutate.IndexAddendum{Add: host, Descriptor: v1.Descriptor{Platform: &[]v1.Platform{HostPlatform()}[0]}},
	)
	r, _ := name.ParseReference(tr.host + "/multi:latest")
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
	got, err := Pull(context.Background(), newStore(t), r.String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := host.Digest(); got.Digest != want {
		t.Errorf("pulled %s, want the %s image %s", got.Digest, HostPlatform().Architecture, want)
	}
}

// assertUntouched checks that a failed pull left no name and no blob.
func assertUntouched(t *testing.T, st *store.Store) {
	t.Helper()
	if all, _ := st.List(); len(all) != 0 {
		t.Errorf("failed pull left %d images", len(all))
	}
	for _, d := range []string{"blobs/sha256", "ingest"} {
		ents, _ := os.ReadDir(filepath.Join(st.Dir(), d))
		if len(ents) != 0 {
			t.Errorf("failed pull left files in %s: %d", d, len(ents))
		}
	}
}

func TestPullErrors(t *testing.T) {
	tr := startRegistry(t)
	img := randomImage(t, 2)
	ref := tr.push(t, "app:v1", img)
	layers, _ := img.Layers()
	blob, _ := layers[0].Digest()
	blobSize, _ := layers[0].Size()
	cases := []struct {
		name string
		ref  string
		hook func(http.ResponseWriter, *http.Request) bool
		want error
	}{
		{"missing tag", tr.host + "/app:nope", nil, ErrNotFound},
		{"missing repo", tr.host + "/nothing", nil, ErrNotFound},
		{"401", ref, func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(http.StatusUnauthorized)
			return true
		}, ErrUnauthorized},
		{"500 on blob", ref, func(w http.ResponseWriter, r *http.Request) bool {
			if strings.Contains(r.URL.Path, blob.Hex) {
				w.WriteHeader(http.StatusInternalServerError)
				return true
			}
			return false
		}, ErrRegistry},
		{"closed mid-blob", ref, func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.Contains(r.URL.Path, blob.Hex) {
				return false
			}
			w.Header().Set("Content-Length", fmt.Sprint(blobSize))
			w.WriteHeader(http.StatusOK)
			w.Write(make([]byte, 100))
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return true
		}, nil},
		{"digest mismatch", ref, func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.Contains(r.URL.Path, blob.Hex) || r.Method != http.MethodGet {
				return false
			}
			w.WriteHeader(http.StatusOK)
			w.Write(bytes.Repeat([]byte{'x'}, int(blobSize)))
			return true
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.hook != nil {
				tr.on(c.hook)
				defer tr.intercept.Store(nil)
			}
			st := newStore(t)
			_, err := Pull(context.Background(), st, c.ref, Options{})
			if err == nil {
				t.Fatal("pull succeeded")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
			t.Logf("error: %v", err)
			// The other layer may have landed; no name, no partial file.
			if all, _ := st.List(); len(all) != 0 {
				t.Errorf("failed pull named an image")
			}
			if ents, _ := os.ReadDir(filepath.Join(st.Dir(), "ingest")); len(ents) != 0 {
				t.Errorf("failed pull left partial blobs: %v", ents)
			}
			if st.HasBlob(blob) {
				t.Errorf("bad blob %s stored", blob)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		st := newStore(t)
		if _, err := Pull(context.Background(), st, addr+"/app:v1", Options{}); !errors.Is(err, ErrUnreachable) {
			t.Errorf("pull from a closed port = %v, want ErrUnreachable", err)
		}
		assertUntouched(t, st)
	})
	t.Run("invalid reference", func(t *testing.T) {
		st := newStore(t)
		if _, err := Pull(context.Background(), st, "Bad Name", Options{}); err == nil {
			t.Fatal("pull of an invalid name succeeded")
		}
		assertUntouched(t, st)
	})
}

func TestPullWithDockerConfigCredentials(t *testing.T) {
	tr := startRegistry(t)
	ref := tr.push(t, "private:v1", randomImage(t, 1))
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:secret"))
	tr.on(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") == want {
			return false
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	})
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	if _, err := Pull(context.Background(), newStore(t), ref, Options{}); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("pull without credentials = %v, want ErrUnauthorized", err)
	}
	auth := base64.StdEncoding.EncodeToString([]byte("alice:secret"))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, tr.host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(context.Background(), newStore(t), ref, Options{}); err != nil {
		t.Fatalf("pull with ~/.docker/config.json credentials: %v", err)
	}
}
