package importer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiffrun/skiff/image/layer"
	"github.com/skiffrun/skiff/image/pull"
	"github.com/skiffrun/skiff/image/store"
)

func newStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "images"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func needBusybox(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(HostBusybox); err != nil {
		t.Skip("needs the busybox-static package (/bin/busybox)")
	}
}

// unpackImage flattens a stored image into a new directory.
func unpackImage(t *testing.T, st *store.Store, img *store.Image) string {
	t.Helper()
	dir := t.TempDir()
	for _, l := range img.Manifest.Layers {
		rc, err := st.OpenBlob(l.Digest)
		if err != nil {
			t.Fatal(err)
		}
		_, err = layer.Unpack(context.Background(), dir, rc, layer.Options{Whiteouts: layer.ApplyWhiteouts, Rootless: os.Geteuid() != 0})
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBusybox(t *testing.T) {
	needBusybox(t)
	ctx := context.Background()
	st := newStore(t)
	img, err := EnsureBusybox(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if img.Name != BusyboxName {
		t.Errorf("name %q", img.Name)
	}
	if got := img.Config.Config.Cmd; len(got) != 1 || got[0] != "sh" {
		t.Errorf("Cmd = %v", got)
	}
	again, err := BusyboxImage(ctx, HostBusybox)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := again.Digest(); d != img.Digest {
		t.Errorf("rebuilt busybox has digest %s, want %s: the build is not reproducible", d, img.Digest)
	}
	root := unpackImage(t, st, img)
	for _, p := range []string{"bin/sh", "bin/ls", "usr/bin/env", "sbin/ifconfig"} {
		if !sameFile(t, filepath.Join(root, p), filepath.Join(root, "bin/busybox")) {
			t.Errorf("%s is not a link to bin/busybox", p)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/passwd")); !bytes.Contains(b, []byte("nobody:x:65534")) {
		t.Errorf("etc/passwd = %q", b)
	}
	if fi, err := os.Stat(filepath.Join(root, "tmp")); err != nil || fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("tmp: %v %v", fi, err)
	}
	out, err := exec.Command(filepath.Join(root, "bin/sh"), "-c", "echo hello").Output()
	if err != nil || string(out) != "hello\n" {
		t.Errorf("bin/sh -c 'echo hello' = %q, %v", out, err)
	}
}

func sameFile(t *testing.T, a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		t.Error(err)
		return false
	}
	fb, _ := os.Stat(b)
	return os.SameFile(fa, fb)
}

func TestBusyboxMissing(t *testing.T) {
	st := newStore(t)
	_, err := Busybox(context.Background(), st, filepath.Join(t.TempDir(), "nope"), nil)
	if !errors.Is(err, ErrNoBusybox) {
		t.Errorf("error %v, want ErrNoBusybox", err)
	}
	if all, _ := st.List(); len(all) != 0 {
		t.Error("store changed")
	}
}

func TestRoundTripOCI(t *testing.T) {
	needBusybox(t)
	ctx := context.Background()
	st := newStore(t)
	img, err := EnsureBusybox(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	if err := ExportOCI(st, img, dir); err != nil {
		t.Fatal(err)
	}
	other := newStore(t)
	if _, err := Import(ctx, other, dir, Options{}); !errors.Is(err, ErrNeedName) {
		t.Errorf("import of a tag-only layout without a name = %v, want ErrNeedName", err)
	}
	got, err := Import(ctx, other, dir, Options{Name: "copy:v1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Digest != img.Digest || got[0].Name != "docker.io/library/copy:v1" {
		t.Errorf("imported %+v, want digest %s", got, img.Digest)
	}
}

func TestRoundTripDockerArchive(t *testing.T) {
	needBusybox(t)
	ctx := context.Background()
	st := newStore(t)
	img, err := EnsureBusybox(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "bb.tar")
	if err := ExportDockerArchive(st, img, file); err != nil {
		t.Fatal(err)
	}
	if f, err := Detect(file); err != nil || f != FormatDockerArchive {
		t.Errorf("Detect = %q, %v", f, err)
	}
	other := newStore(t)
	got, err := Import(ctx, other, file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID() != img.ID() || got[0].Name != BusyboxName {
		t.Errorf("imported %s id %s, want %s id %s", got[0].Name, got[0].ID(), BusyboxName, img.ID())
	}
}

func TestImportRootfsDir(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "etc"), 0o755)
	os.WriteFile(filepath.Join(src, "etc/motd"), []byte("hi"), 0o600)
	os.Link(filepath.Join(src, "etc/motd"), filepath.Join(src, "etc/motd2"))
	os.Symlink("motd", filepath.Join(src, "etc/link"))
	st := newStore(t)
	if _, err := Import(ctx, st, src, Options{}); !errors.Is(err, ErrNeedName) {
		t.Errorf("rootfs import without name = %v, want ErrNeedName", err)
	}
	imgs, err := Import(ctx, st, src, Options{Name: "mine", Config: v1.Config{Cmd: []string{"/bin/true"}}})
	if err != nil {
		t.Fatal(err)
	}
	root := unpackImage(t, st, imgs[0])
	if b, _ := os.ReadFile(filepath.Join(root, "etc/motd")); string(b) != "hi" {
		t.Errorf("etc/motd = %q", b)
	}
	if !sameFile(t, filepath.Join(root, "etc/motd"), filepath.Join(root, "etc/motd2")) {
		t.Error("hardlink lost")
	}
	if l, _ := os.Readlink(filepath.Join(root, "etc/link")); l != "motd" {
		t.Errorf("symlink -> %q", l)
	}
	if imgs[0].Config.Config.Cmd[0] != "/bin/true" {
		t.Errorf("config %+v", imgs[0].Config.Config)
	}
}

func TestImportGarbage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(file, bytes.Repeat([]byte("junk"), 1000), 0o644)
	st := newStore(t)
	if _, err := Import(context.Background(), st, file, Options{Name: "x"}); !errors.Is(err, ErrFormat) {
		t.Errorf("import of junk = %v, want ErrFormat", err)
	}
	if _, err := Import(context.Background(), st, file, Options{Name: "Bad Name"}); err == nil {
		t.Error("invalid name accepted")
	}
	if all, _ := st.List(); len(all) != 0 {
		t.Error("store changed")
	}
}

func TestResolveBuildsBusyboxOffline(t *testing.T) {
	needBusybox(t)
	st := newStore(t)
	img, err := Resolve(context.Background(), st, "busybox", pull.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Name != BusyboxName {
		t.Errorf("resolved %s", img.Name)
	}
	if _, err := Resolve(context.Background(), st, "127.0.0.1:1/nothing:here", pull.Options{}); err == nil {
		t.Error("resolving an image nobody has succeeded")
	}
}

func TestImportTars(t *testing.T) {
	needBusybox(t)
	ctx := context.Background()
	st := newStore(t)
	img, err := EnsureBusybox(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	archive := filepath.Join(tmp, "oci.tar")
	if err := ExportOCIArchive(ctx, st, img, archive); err != nil {
		t.Fatal(err)
	}
	if f, err := Detect(archive); err != nil || f != FormatOCI {
		t.Errorf("Detect(oci tar) = %q, %v", f, err)
	}
	got, err := Import(ctx, newStore(t), archive, Options{Name: "busybox"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Digest != img.Digest {
		t.Errorf("OCI tar import digest %s, want %s", got[0].Digest, img.Digest)
	}
	// A rootfs tar (docker import style): the busybox layer itself.
	rootfsTar := filepath.Join(tmp, "rootfs.tar.gz")
	blob, _ := os.ReadFile(st.BlobPath(img.Manifest.Layers[0].Digest))
	os.WriteFile(rootfsTar, blob, 0o644)
	if f, _ := Detect(rootfsTar); f != FormatRootfs {
		t.Errorf("Detect(rootfs tar) = %q", f)
	}
	got, err = Import(ctx, newStore(t), rootfsTar, Options{Name: "fromtar"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Config.RootFS.DiffIDs[0] != img.Config.RootFS.DiffIDs[0] {
		t.Errorf("rootfs tar import changed the layer content")
	}
}
