package snapshot

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	"github.com/skiffrun/skiff/image/importer"
	"github.com/skiffrun/skiff/image/process"
)

// TestBusyboxContainerRootfs is the path `skiff run busybox` takes on the
// image side: resolve the image, prepare the rootfs, build the process,
// and run it (here with a plain chroot).
func TestBusyboxContainerRootfs(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat(importer.HostBusybox); err != nil {
		t.Skip("needs the busybox-static package")
	}
	e := newEnv(t)
	ctx := context.Background()
	img, err := importer.EnsureBusybox(ctx, e.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	rootfs, err := e.snap.Prepare(ctx, "bb", img)
	if err != nil {
		t.Fatal(err)
	}
	p, err := process.Process(img.Config.Config, rootfs, process.Overrides{Cmd: []string{"sh", "-c", "echo hi > /tmp/x && id -u && cat /tmp/x"}, User: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	if p.User.UID != 65534 || p.User.GID != 65534 || p.Cwd != "/" {
		t.Errorf("process user %+v cwd %q", p.User, p.Cwd)
	}
	cmd := exec.Command(p.Args[0], p.Args[1:]...)
	cmd.Path = "/bin/sh"
	cmd.Env, cmd.Dir = p.Env, p.Cwd
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: rootfs, Credential: &syscall.Credential{Uid: p.User.UID, Gid: p.User.GID}}
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "65534\nhi\n" {
		t.Fatalf("sh in the rootfs: %q, %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(e.snap.path("containers", "bb", "upper", "tmp", "x"))); err != nil {
		t.Errorf("the container's write is not in its upper dir: %v", err)
	}
	want := []string{"sh", "-c", "echo hi > /tmp/x && id -u && cat /tmp/x"}
	if !reflect.DeepEqual(p.Args, want) {
		t.Errorf("args %v", p.Args)
	}
}
