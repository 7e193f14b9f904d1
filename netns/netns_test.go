package netns

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
}

func TestCheckName(t *testing.T) {
	for _, bad := range []string{"", ".", "..", "a/b", "x\x00"} {
		if err := checkName(bad); !errors.Is(err, ErrBadName) {
			t.Errorf("checkName(%q) = %v, want ErrBadName", bad, err)
		}
	}
	if err := checkName("c1"); err != nil {
		t.Errorf("checkName(c1) = %v", err)
	}
}

func TestCreateDoRemove(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	path, err := Create(dir, "t1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Remove(path) })
	if _, err := Create(dir, "t1"); !errors.Is(err, ErrExists) {
		t.Fatalf("second Create = %v, want ErrExists", err)
	}
	self, err := Stat(threadNetns())
	if err != nil {
		t.Fatal(err)
	}
	created, err := Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if created == self {
		t.Fatalf("new namespace has the ID of our own: %v %v", self, created)
	}
	// A process started inside Do lives in the namespace: it sees only lo.
	var out []byte
	err = Do(path, func() error {
		var err error
		out, err = exec.Command("/bin/busybox", "ip", "link").CombinedOutput()
		return err
	})
	if err != nil {
		t.Fatalf("Do: %v: %s", err, out)
	}
	if strings.Count(string(out), "mtu") != 1 || !strings.Contains(string(out), "lo:") {
		t.Fatalf("links inside the new netns:\n%s", out)
	}
	// The calling thread's namespace is unchanged afterwards.
	if after, _ := Stat("/proc/self/ns/net"); after != self {
		t.Fatal("our namespace changed after Do")
	}
	names, err := List(dir)
	if err != nil || len(names) != 1 || names[0] != "t1" {
		t.Fatalf("List = %v, %v", names, err)
	}
	if err := Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := Remove(path); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("netns file still there: %v", err)
	}
}
