package container_test

import (
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A tmpfs marked "tmpcopyup" (runc's extension, which podman puts on its
// --tmpfs and --read-only mounts) starts with a copy of what it covers:
// files, directories, symlinks, modes and owners; writes stay in the tmpfs.
func TestTmpfsCopyUp(t *testing.T) {
	e := newEnv(t)
	etc := filepath.Join(e.rootfs, "etc")
	if err := os.MkdirAll(filepath.Join(etc, "sub"), 0o751); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "sub", "tool"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(etc, "sub", "tool"), 0o755|os.ModeSetuid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(etc, "sub"), 7, 8); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub/tool", filepath.Join(etc, "link")); err != nil {
		t.Fatal(err)
	}
	s := e.spec("sh", "-c", "grep -c ^root: /etc/group; stat -c '%a %u:%g' /etc/sub /etc/sub/tool; readlink /etc/link; "+
		"touch /etc/new && grep -c ' /etc tmpfs ' /proc/mounts")
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/etc", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "tmpcopyup"}})
	code, out := e.runSpec(t, "copyup", s)
	want := "1\n751 7:8\n4755 0:0\nsub/tool\n1\n"
	if code != 0 || out != want {
		t.Errorf("inside: exit %d, output %q, want %q", code, out, want)
	}
	if _, err := os.Stat(filepath.Join(etc, "new")); err == nil {
		t.Error("a file made in the tmpfs reached the rootfs below it")
	}
}
