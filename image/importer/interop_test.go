package importer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("needs %s (Debian package %s)", name, name)
	}
	return p
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// TestSkopeoRoundTrip: skiff's OCI export read by skopeo, converted to a
// docker-archive, read back by skiff; and skiff's docker-archive read by
// skopeo into an OCI layout that skiff imports.
func TestSkopeoRoundTrip(t *testing.T) {
	needBusybox(t)
	skopeo := needTool(t, "skopeo")
	ctx := context.Background()
	st := newStore(t)
	img, err := EnsureBusybox(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The store itself is an OCI layout skopeo reads, names and all.
	run(t, skopeo, "inspect", "oci:"+st.Dir()+":"+BusyboxName)
	tmp := t.TempDir()
	layout := filepath.Join(tmp, "layout")
	if err := ExportOCI(st, img, layout); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(tmp, "bb.tar")
	run(t, skopeo, "--insecure-policy", "copy", "oci:"+layout+":latest", "docker-archive:"+archive+":busybox:latest")
	got, err := Import(ctx, newStore(t), archive, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].ID() != img.ID() || got[0].Name != BusyboxName {
		t.Errorf("skopeo's archive imported as %s id %s, want id %s", got[0].Name, got[0].ID(), img.ID())
	}
	ociTar := filepath.Join(tmp, "oci.tar")
	if err := ExportOCIArchive(ctx, st, img, ociTar); err != nil {
		t.Fatal(err)
	}
	run(t, skopeo, "--insecure-policy", "copy", "oci-archive:"+ociTar+":latest", "oci:"+filepath.Join(tmp, "fromtar")+":latest")
	ours := filepath.Join(tmp, "ours.tar")
	if err := ExportDockerArchive(st, img, ours); err != nil {
		t.Fatal(err)
	}
	back := filepath.Join(tmp, "back")
	run(t, skopeo, "--insecure-policy", "copy", "docker-archive:"+ours, "oci:"+back+":latest")
	got, err = Import(ctx, newStore(t), back, Options{Name: "busybox"})
	if err != nil {
		t.Fatal(err)
	}
	// skopeo re-encodes the config when it converts formats: compare content.
	gd, wd := got[0].Config.RootFS.DiffIDs, img.Config.RootFS.DiffIDs
	if len(gd) != 1 || gd[0] != wd[0] || got[0].Config.Config.Cmd[0] != "sh" {
		t.Errorf("round trip through skopeo changed the image: %v %v, want %v", gd, got[0].Config.Config.Cmd, wd)
	}
}

// TestUmociUnpacksExport: umoci unpacks skiff's OCI export.
func TestUmociUnpacksExport(t *testing.T) {
	needBusybox(t)
	umoci := needTool(t, "umoci")
	st := newStore(t)
	img, err := EnsureBusybox(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	layout := filepath.Join(tmp, "layout")
	if err := ExportOCI(st, img, layout); err != nil {
		t.Fatal(err)
	}
	args := []string{"unpack", "--image", layout + ":latest", filepath.Join(tmp, "bundle")}
	if os.Geteuid() != 0 {
		args = append([]string{"--rootless"}, args...)
		args[0], args[1] = args[1], args[0]
	}
	run(t, umoci, args...)
	out, err := exec.Command(umoci, "ls", "--layout", st.Dir()).Output()
	if err != nil || string(out) != BusyboxName+"\n" {
		t.Errorf("umoci ls of the store: %q, %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "bundle/rootfs/bin/busybox")); err != nil {
		t.Errorf("umoci's rootfs lacks bin/busybox: %v", err)
	}
}
