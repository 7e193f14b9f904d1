package store

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "images"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomImage(t *testing.T, layers int) v1.Image {
	t.Helper()
	img, err := random.Image(1024, int64(layers))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestWriteGetList(t *testing.T) {
	s := newStore(t)
	img := randomImage(t, 3)
	var done atomic.Int32
	got, err := s.WriteImage(context.Background(), "busybox", img, WriteOptions{Progress: func(p LayerProgress) {
		if p.Done {
			done.Add(1)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if done.Load() != 3 {
		t.Errorf("progress reported %d finished layers, want 3", done.Load())
	}
	if got.Name != "docker.io/library/busybox:latest" {
		t.Errorf("name = %q", got.Name)
	}
	want, _ := img.Digest()
	if got.Digest != want {
		t.Errorf("digest = %s, want %s", got.Digest, want)
	}
	for _, q := range []string{"busybox:latest", "docker.io/library/busybox", got.ID().Hex[:12], "sha256:" + got.ID().Hex} {
		if g, err := s.Get(q); err != nil || g.Digest != want {
			t.Errorf("Get(%q) = %v, %v", q, g, err)
		}
	}
	if _, err := s.Get("alpine"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(alpine) = %v, want ErrNotFound", err)
	}
	all, err := s.List()
	if err != nil || len(all) != 1 {
		t.Fatalf("List = %v, %v", all, err)
	}
	if ls, err := all[0].Layers(); err != nil || len(ls) != 3 {
		t.Errorf("Layers = %v, %v", ls, err)
	}
	// The store is an OCI layout that go-containerregistry can read.
	p, err := layout.FromPath(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	li, err := p.Image(want)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := li.ConfigFile(); err != nil {
		t.Fatal(err)
	}
}

func TestRetagReplaces(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.WriteImage(ctx, "app:v1", randomImage(t, 1), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	second, err := s.WriteImage(ctx, "app:v1", randomImage(t, 1), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := s.List()
	if len(all) != 1 || all[0].Digest != second.Digest {
		t.Errorf("after retag: %d images, want the second one only", len(all))
	}
}

// layerCounter counts how many times a layer's content is read.
type layerCounter struct {
	v1.Image
	n *atomic.Int32
}

type countedLayer struct {
	v1.Layer
	n *atomic.Int32
}

func (f layerCounter) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	l, err := f.Image.LayerByDigest(h)
	return countedLayer{l, f.n}, err
}

func (c countedLayer) Compressed() (io.ReadCloser, error) {
	c.n.Add(1)
	return c.Layer.Compressed()
}

func TestBlobsNeverFetchedTwice(t *testing.T) {
	s := newStore(t)
	var n atomic.Int32
	img := randomImage(t, 2)
	ctx := context.Background()
	if _, err := s.WriteImage(ctx, "a", layerCounter{img, &n}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Fatalf("first write fetched %d layers, want 2", n.Load())
	}
	if _, err := s.WriteImage(ctx, "b", layerCounter{img, &n}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("second write fetched %d more layers, want 0", n.Load()-2)
	}
}

func TestWriteBlobDigestMismatch(t *testing.T) {
	s := newStore(t)
	h, _ := v1.NewHash("sha256:" + strings.Repeat("a", 64))
	err := s.WriteBlob(h, -1, strings.NewReader("not that"))
	if !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("WriteBlob = %v, want ErrDigestMismatch", err)
	}
	if s.HasBlob(h) {
		t.Error("mismatching blob is visible")
	}
	assertEmptyDir(t, filepath.Join(s.Dir(), ingestDir))
	if err := s.WriteBlob(v1.Hash{Algorithm: "md5", Hex: "00"}, -1, strings.NewReader("")); err == nil {
		t.Error("md5 digest accepted")
	}
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("%s holds leftovers: %v", dir, ents)
	}
}

func TestRemoveAndPrune(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	keep, err := s.WriteImage(ctx, "keep", randomImage(t, 2), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteImage(ctx, "drop", randomImage(t, 2), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("drop"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("drop"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Remove = %v, want ErrNotFound", err)
	}
	rep, err := s.Prune()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Blobs) != 4 { // 2 layers, config, manifest
		t.Errorf("pruned %d blobs, want 4", len(rep.Blobs))
	}
	if _, err := s.Get("keep"); err != nil {
		t.Errorf("kept image broken after prune: %v", err)
	}
	for _, l := range keep.Manifest.Layers {
		if !s.HasBlob(l.Digest) {
			t.Errorf("prune removed %s of a named image", l.Digest)
		}
	}
}
