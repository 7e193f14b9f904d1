package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/image/store"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts overlayfs")
	}
}

// env is a data directory with a store and a snapshotter, cleaned up
// (every container removed, so every mount undone) by the test.
type env struct {
	st   *store.Store
	snap *Snapshotter
	data string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	data := t.TempDir()
	st, err := store.Open(filepath.Join(data, "images"), nil)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := New(data, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{st: st, snap: snap, data: data}
	t.Cleanup(func() {
		ents, _ := os.ReadDir(snap.path("containers"))
		for _, c := range ents {
			if err := snap.Remove(context.Background(), c.Name()); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	return e
}

type file struct {
	name, body string
	dir        bool
}

func layerOf(t *testing.T, files ...file) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.body))}
		if f.dir {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, f.body)
	}
	tw.Close()
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (e *env) image(t *testing.T, name string, layers ...v1.Layer) *store.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.st.WriteImage(context.Background(), name, img, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

func isMounted(t *testing.T, dir string) bool {
	t.Helper()
	var a, b unix.Stat_t
	if unix.Stat(dir, &a) != nil || unix.Stat(filepath.Dir(dir), &b) != nil {
		return false
	}
	return a.Dev != b.Dev
}

func TestPrepareOverlay(t *testing.T) {
	needRoot(t)
	e := newEnv(t)
	ctx := context.Background()
	base := layerOf(t, file{name: "etc/", dir: true}, file{name: "etc/os", body: "base"}, file{name: "gone", body: "x"})
	top := layerOf(t, file{name: "etc/os", body: "top"}, file{name: ".wh.gone"})
	img := e.image(t, "app", base, top)
	rootfs, err := e.snap.Prepare(ctx, "c1", img)
	if err != nil {
		t.Fatal(err)
	}
	if !isMounted(t, rootfs) {
		t.Fatal("rootfs is not a mount point")
	}
	if b, _ := os.ReadFile(filepath.Join(rootfs, "etc/os")); string(b) != "top" {
		t.Errorf("etc/os = %q, want the top layer's", b)
	}
	if _, err := os.Stat(filepath.Join(rootfs, "gone")); !os.IsNotExist(err) {
		t.Errorf("whited-out file visible: %v", err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "new"), []byte("c1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e.snap.path("containers", "c1", "upper", "new"))); err != nil {
		t.Errorf("write did not land in the upper dir: %v", err)
	}
	// A second container shares the layers and does not see c1's write.
	rootfs2, err := e.snap.Prepare(ctx, "c2", img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(rootfs2, "new")); !os.IsNotExist(err) {
		t.Error("c2 sees c1's write")
	}
	if ents, _ := os.ReadDir(e.snap.path("layers")); len(ents) != 2 {
		t.Errorf("%d layer directories for 2 layers shared by 2 containers", len(ents))
	}
	if users, err := e.snap.Users(img.Name); err != nil || len(users) != 2 {
		t.Errorf("Users = %v, %v; want c1 and c2", users, err)
	}
	if _, err := e.snap.Prepare(ctx, "c1", img); !errors.Is(err, ErrExists) {
		t.Errorf("second Prepare of c1 = %v, want ErrExists", err)
	}
	if err := e.snap.Remove(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if isMounted(t, rootfs) {
		t.Error("rootfs still mounted after Remove")
	}
	if _, err := os.Stat(e.snap.path("containers", "c1")); !os.IsNotExist(err) {
		t.Error("container directory left after Remove")
	}
	if err := e.snap.Remove(ctx, "c1"); err != nil {
		t.Errorf("second Remove: %v", err)
	}
}

func TestManyLayers(t *testing.T) {
	needRoot(t)
	e := newEnv(t)
	var layers []v1.Layer
	for i := range 150 {
		layers = append(layers, layerOf(t, file{name: fmt.Sprintf("f%03d", i), body: fmt.Sprint(i)}))
	}
	img := e.image(t, "tall", layers...)
	rootfs, err := e.snap.Prepare(context.Background(), "tall", img)
	if err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(rootfs)
	if len(ents) != 150 {
		t.Errorf("rootfs of 150 layers shows %d files", len(ents))
	}
}

func TestPrepareBadLayer(t *testing.T) {
	needRoot(t)
	e := newEnv(t)
	img := e.image(t, "app", layerOf(t, file{name: "a", body: "1"}))
	img.Config.RootFS.DiffIDs[0].Hex = fmt.Sprintf("%064x", 1) // lie about the content
	if _, err := e.snap.Prepare(context.Background(), "c", img); !errors.Is(err, ErrDiffID) {
		t.Fatalf("Prepare = %v, want ErrDiffID", err)
	}
	for _, d := range []string{"layers", "containers", "tmp"} {
		if ents, _ := os.ReadDir(e.snap.path(d)); len(ents) != 0 {
			t.Errorf("failed Prepare left %v in %s", ents, d)
		}
	}
	if _, err := e.snap.Prepare(context.Background(), "../x", img); !errors.Is(err, ErrBadID) {
		t.Errorf("Prepare(../x) = %v, want ErrBadID", err)
	}
}

func TestPrune(t *testing.T) {
	needRoot(t)
	e := newEnv(t)
	ctx := context.Background()
	used := e.image(t, "used", layerOf(t, file{name: "u", body: "1"}))
	dropped := e.image(t, "dropped", layerOf(t, file{name: "d", body: "2"}))
	if _, err := e.snap.Prepare(ctx, "c", used); err != nil {
		t.Fatal(err)
	}
	if _, err := e.snap.Prepare(ctx, "d", dropped); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Remove("used"); err != nil { // still used by container c
		t.Fatal(err)
	}
	if err := e.st.Remove("dropped"); err != nil {
		t.Fatal(err)
	}
	if err := e.snap.Remove(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	rep, err := e.snap.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := dropped.Config.RootFS.DiffIDs[0].Hex
	if len(rep.Layers) != 1 || rep.Layers[0] != want {
		t.Errorf("pruned %v, want only %s", rep.Layers, want)
	}
	if ents, _ := os.ReadDir(e.snap.path("l")); len(ents) != 1 {
		t.Errorf("links left: %v", ents)
	}
}

func TestConcurrentPrepareSharesLayers(t *testing.T) {
	needRoot(t)
	e := newEnv(t)
	img := e.image(t, "app", layerOf(t, file{name: "a", body: "1"}), layerOf(t, file{name: "b", body: "2"}))
	errs := make(chan error, 4)
	for i := range 4 {
		go func() {
			_, err := e.snap.Prepare(context.Background(), fmt.Sprintf("c%d", i), img)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if ents, _ := os.ReadDir(e.snap.path("layers")); len(ents) != 2 {
		t.Errorf("%d layer directories, want 2", len(ents))
	}
	if ents, _ := os.ReadDir(e.snap.path("tmp")); len(ents) != 0 {
		t.Errorf("unpack leftovers: %v", ents)
	}
}
