package rootfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzOpenTarget plants a symlink chosen by the fuzzer in a rootfs and
// resolves a mount target chosen by the fuzzer: whatever OpenTarget opens
// or creates must be inside the rootfs, never beside it on the "host". Run
// longer with: go test -fuzz FuzzOpenTarget ./runtime/rootfs/
func FuzzOpenTarget(f *testing.F) {
	for _, seed := range []struct{ link, dest string }{
		{"/host", "/link/etc"},            // absolute symlink out of the root
		{"../../host", "/link/x"},         // relative climb out of the root
		{"../host", "/a/../../link/y"},    // climb in the target itself
		{"/proc/self/root/host", "/link"}, // a magic link
		{"link", "/link/z"},               // a loop
		{"/", "/link/../../host/new"},
		{"/etc", "/link/passwd"},
		{"", "/dev/../../.."},
	} {
		f.Add(seed.link, seed.dest, false)
		f.Add(seed.link, seed.dest, true)
	}
	f.Fuzz(func(t *testing.T, link, dest string, file bool) {
		if strings.ContainsRune(link, 0) || strings.ContainsRune(dest, 0) || link == "" || len(dest) > 512 {
			t.Skip()
		}
		base := t.TempDir()
		root, host := filepath.Join(base, "root"), filepath.Join(base, "host")
		for _, d := range []string{root, host, filepath.Join(root, "etc"), filepath.Join(root, "a")} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink(link, filepath.Join(root, "link")); err != nil {
			t.Fatal(err)
		}
		kind := KindDir
		if file {
			kind = KindFile
		}
		if fd, err := OpenTarget(root, "/"+dest, kind); err == nil {
			assertInside(t, fd, root)
			fd.Close()
		}
		if entries, _ := os.ReadDir(host); len(entries) != 0 {
			t.Fatalf("OpenTarget(%q) with link -> %q created %s outside the rootfs", dest, link, entries[0].Name())
		}
	})
}

// assertInside fails unless the opened file's real path is root or below it.
func assertInside(t *testing.T, f *os.File, root string) {
	t.Helper()
	got, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if got != root && !strings.HasPrefix(got, root+"/") {
		t.Fatalf("opened %s, outside the rootfs %s", got, root)
	}
}
