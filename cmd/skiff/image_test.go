package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skiffrun/skiff/image/snapshot"
	"github.com/skiffrun/skiff/image/store"
)

// skiffImage runs one skiff command in-process against dataDir and
// returns its output.
func skiffImage(t *testing.T, dataDir string, args ...string) (string, error) {
	t.Helper()
	cmd, _ := newSkiffCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append([]string{"--data-dir", dataDir}, args...))
	err := cmd.Execute()
	return out.String(), err
}

func TestImageCommands(t *testing.T) {
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs the busybox-static package")
	}
	data, tmp := t.TempDir(), t.TempDir()
	must := func(args ...string) string {
		t.Helper()
		out, err := skiffImage(t, data, args...)
		if err != nil {
			t.Fatalf("skiff %v: %v\n%s", args, err, out)
		}
		return out
	}
	must("image", "import", "--busybox")
	if out := must("images"); !strings.Contains(out, "busybox") || !strings.Contains(out, "latest") {
		t.Errorf("images:\n%s", out)
	}
	if out := must("image", "inspect", "busybox"); !strings.Contains(out, `"sh"`) || !strings.Contains(out, "diffID") {
		t.Errorf("inspect:\n%s", out)
	}
	must("image", "export", "busybox", filepath.Join(tmp, "oci"))
	must("image", "export", "--format", "docker-archive", "busybox", filepath.Join(tmp, "bb.tar"))
	must("image", "import", filepath.Join(tmp, "oci"), "copy:v1")
	// docker save | skiff image import -
	var saved bytes.Buffer
	cmd, _ := newSkiffCmd()
	cmd.SetOut(&saved)
	cmd.SetArgs([]string{"--data-dir", data, "image", "export", "--format", "docker-archive", "copy:v1", "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	cmd, _ = newSkiffCmd()
	cmd.SetIn(&saved)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetArgs([]string{"--data-dir", data, "image", "import", "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("import - : %v", err)
	}
	must("image", "unpack", "copy:v1", filepath.Join(tmp, "rootfs"))
	if _, err := os.Stat(filepath.Join(tmp, "rootfs/bin/sh")); err != nil {
		t.Errorf("unpacked rootfs: %v", err)
	}
	if out := must("rmi", "copy:v1"); !strings.Contains(out, "Untagged: copy:v1") {
		t.Errorf("rmi:\n%s", out)
	}
	must("image", "tag", "busybox", "again:v2")
	if out := must("images"); !strings.Contains(out, "again") {
		t.Errorf("images after tag:\n%s", out)
	}
	must("rmi", "again:v2")
	must("image", "prune")
	if out := must("images", "-q"); strings.Count(out, "\n") != 1 {
		t.Errorf("images -q after rmi:\n%s", out)
	}
	for _, bad := range [][]string{
		{"pull", "Bad Name"},
		{"pull", "--platform", "nonsense/", "busybox"},
		{"rmi", "nothing-here"},
		{"image", "export", "--format", "zip", "busybox", filepath.Join(tmp, "x")},
		{"image", "import", "--format", "nope", filepath.Join(tmp, "oci")},
		{"image", "unpack", "busybox", filepath.Join(tmp, "rootfs")}, // not empty
	} {
		if out, err := skiffImage(t, data, bad...); err == nil {
			t.Errorf("skiff %v succeeded:\n%s", bad, out)
		}
	}
}

func TestRmiRefusesImageInUse(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: prepares an overlay rootfs")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs the busybox-static package")
	}
	data := t.TempDir()
	if out, err := skiffImage(t, data, "image", "import", "--busybox"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	st, err := store.Open(filepath.Join(data, "images"), nil)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.New(data, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	img, err := st.Get("busybox")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snap.Prepare(context.Background(), "user1", img); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Remove(context.Background(), "user1") })
	out, err := skiffImage(t, data, "rmi", "busybox")
	if err == nil || !strings.Contains(err.Error(), "user1") {
		t.Errorf("rmi of an image in use: %v\n%s", err, out)
	}
	if out, err := skiffImage(t, data, "rmi", "-f", "busybox"); err != nil {
		t.Errorf("rmi -f: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(snap.Rootfs("user1"), "bin/sh")); err != nil {
		t.Errorf("the container lost its rootfs: %v", err)
	}
}
