package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
)

func rootless() bool { return os.Geteuid() != 0 }

func unpack(t testing.TB, dir string, data []byte, w Whiteouts) error {
	t.Helper()
	_, err := Unpack(context.Background(), dir, bytes.NewReader(data), Options{Whiteouts: w, Rootless: rootless()})
	return err
}

func TestUnpackComplete(t *testing.T) {
	dir := t.TempDir()
	mtime := time.Date(2021, 5, 6, 7, 8, 9, 0, time.UTC)
	data := makeTar(t,
		mkdir("etc/"),
		entry{name: "bin/tool", typ: tar.TypeReg, mode: 0o4755, body: "#!", uid: 1000, gid: 1001, mtime: mtime,
			xattrs: map[string]string{"user.note": "hi"}},
		symlink("bin/sh", "tool"),
		hardlink("bin/tool2", "bin/tool"),
		entry{name: "run/fifo", typ: tar.TypeFifo, mode: 0o600},
		entry{name: "dev/null", typ: tar.TypeChar, mode: 0o666, major: 1},
		entry{name: "tmp", typ: tar.TypeDir, mode: 0o1777, mtime: mtime},
		file("tmp/x", "y"),
	)
	if err := unpack(t, dir, data, OverlayWhiteouts); err != nil {
		t.Fatal(err)
	}
	st := lstat(t, filepath.Join(dir, "bin/tool"))
	if st.Mode&0o7777 != 0o4755 || st.Size != 2 {
		t.Errorf("bin/tool mode %o size %d", st.Mode&0o7777, st.Size)
	}
	if !rootless() && (st.Uid != 1000 || st.Gid != 1001) {
		t.Errorf("bin/tool owner %d:%d, want 1000:1001", st.Uid, st.Gid)
	}
	if st.Mtim.Sec != mtime.Unix() {
		t.Errorf("bin/tool mtime %d, want %d", st.Mtim.Sec, mtime.Unix())
	}
	if st.Nlink != 2 {
		t.Errorf("bin/tool has %d links, want 2 (hardlink bin/tool2)", st.Nlink)
	}
	if l, _ := os.Readlink(filepath.Join(dir, "bin/sh")); l != "tool" {
		t.Errorf("bin/sh -> %q", l)
	}
	v := make([]byte, 16)
	if n, err := unix.Lgetxattr(filepath.Join(dir, "bin/tool"), "user.note", v); err != nil || string(v[:n]) != "hi" {
		t.Errorf("xattr user.note = %q, %v", v[:n], err)
	}
	if lstat(t, filepath.Join(dir, "run/fifo")).Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Error("run/fifo is not a fifo")
	}
	if !rootless() {
		if st := lstat(t, filepath.Join(dir, "dev/null")); st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 {
			t.Errorf("dev/null mode %o rdev %d", st.Mode, st.Rdev)
		}
	}
	tmp := lstat(t, filepath.Join(dir, "tmp"))
	if tmp.Mode&0o7777 != 0o1777 || tmp.Mtim.Sec != mtime.Unix() {
		t.Errorf("tmp mode %o mtime %d: the directory time must survive its contents", tmp.Mode&0o7777, tmp.Mtim.Sec)
	}
}

func lstat(t *testing.T, p string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestDiffIDAndCompression(t *testing.T) {
	data := makeTar(t, mkdir("a/"), file("a/b", "hello"))
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(data)
	gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(data)
	zw.Close()
	for name, in := range map[string][]byte{"tar": data, "gzip": gz.Bytes(), "zstd": zs.Bytes()} {
		dir := t.TempDir()
		h, err := Unpack(context.Background(), dir, bytes.NewReader(in), Options{Rootless: rootless()})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h.Hex != want {
			t.Errorf("%s: diff id %s, want %s", name, h.Hex, want)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "a/b")); string(b) != "hello" {
			t.Errorf("%s: a/b = %q", name, b)
		}
	}
}

func TestWhiteoutsOverlayForm(t *testing.T) {
	if rootless() {
		t.Skip("needs root: trusted.overlay.opaque xattr")
	}
	dir := t.TempDir()
	data := makeTar(t, mkdir("d/"), file("d/keep", "k"), file(".wh.gone", ""), file("d/.wh..wh..opq", ""))
	if err := unpack(t, dir, data, OverlayWhiteouts); err != nil {
		t.Fatal(err)
	}
	st := lstat(t, filepath.Join(dir, "gone"))
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("whiteout gone: mode %o rdev %d, want a 0/0 char device", st.Mode, st.Rdev)
	}
	v := make([]byte, 4)
	if n, err := unix.Lgetxattr(filepath.Join(dir, "d"), "trusted.overlay.opaque", v); err != nil || string(v[:n]) != "y" {
		t.Errorf("d opaque xattr = %q, %v", v[:n], err)
	}
	for _, n := range []string{".wh.gone", "d/.wh..wh..opq"} {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			t.Errorf("marker %s was written as a file", n)
		}
	}
}

func TestWhiteoutsApplied(t *testing.T) {
	dir := t.TempDir()
	lower := makeTar(t, file("a", "1"), mkdir("d/"), file("d/x", "1"), mkdir("d/sub/"), file("d/sub/y", "1"), file("keep", "1"))
	upper := makeTar(t, file(".wh.a", ""), file("d/z", "2"), file("d/.wh..wh..opq", ""))
	for _, l := range [][]byte{lower, upper} {
		if err := unpack(t, dir, l, ApplyWhiteouts); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Errorf("a survived its whiteout: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "d"))
	if len(ents) != 1 || ents[0].Name() != "z" {
		t.Errorf("opaque d holds %v, want only z", ents)
	}
	if _, err := os.Lstat(filepath.Join(dir, "keep")); err != nil {
		t.Errorf("keep: %v", err)
	}
}

func TestReplaceEntries(t *testing.T) {
	dir := t.TempDir()
	lower := makeTar(t, mkdir("x/"), file("x/f", "1"), file("y", "1"), symlink("z", "y"))
	upper := makeTar(t, file("x", "now a file"), mkdir("y/"), file("z", "real"))
	for _, l := range [][]byte{lower, upper} {
		if err := unpack(t, dir, l, ApplyWhiteouts); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "x")); string(b) != "now a file" {
		t.Errorf("x = %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "y")); err != nil || !fi.IsDir() {
		t.Errorf("y is not a directory: %v", err)
	}
	if fi, _ := os.Lstat(filepath.Join(dir, "z")); fi.Mode()&os.ModeSymlink != 0 {
		t.Error("z is still a symlink")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "y")); len(b) != 0 {
		t.Error("writing z through the old symlink changed y")
	}
}

func TestDirReplacedInSameLayer(t *testing.T) {
	dir := t.TempDir()
	data := makeTar(t, mkdir("x/"), mkdir("x/y/"), file("x", "now a file"))
	if err := unpack(t, dir, data, ApplyWhiteouts); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "x")); string(b) != "now a file" {
		t.Errorf("x = %q", b)
	}
}

func TestGlobalHeaderSkipped(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "abc"}})
	tw.WriteHeader(&tar.Header{Name: "f", Typeflag: tar.TypeReg, Mode: 0o644})
	tw.Close()
	dir := t.TempDir()
	if err := unpack(t, dir, buf.Bytes(), OverlayWhiteouts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "f")); err != nil {
		t.Error(err)
	}
}

func TestBadInput(t *testing.T) {
	good := makeTar(t, file("a", string(bytes.Repeat([]byte("x"), 5000))))
	var gz bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(good)
	gw.Close()
	huge := hugePaxHeader(t, 2<<20)
	cases := map[string][]byte{
		"truncated tar":         good[:1500],
		"truncated gzip":        gz.Bytes()[:gz.Len()/2],
		"huge pax header":       huge,
		"hardlink to nothing":   makeTar(t, hardlink("h", "missing")),
		"hardlink to itself":    makeTar(t, hardlink("h", "h")),
		"hardlink to directory": makeTar(t, mkdir("d/"), hardlink("h", "d")),
		"whiteout of dotdot":    makeTar(t, file("d/.wh..", "")),
		"unknown type":          makeTar(t, entry{name: "x", typ: 'Z'}),
		"file under a file":     makeTar(t, file("f", "1"), file("f/g", "2")),
	}
	for name, data := range cases {
		if err := unpack(t, t.TempDir(), data, OverlayWhiteouts); err == nil {
			t.Errorf("%s: unpack succeeded", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if err := unpack(t, t.TempDir(), makeTar(t, hardlink("h", "missing")), OverlayWhiteouts); !errors.Is(err, ErrBadHardlink) {
		t.Errorf("hardlink error %v, want ErrBadHardlink", err)
	}
}

// hugePaxHeader is a tar whose first entry is a PAX extended header of n
// bytes, more than archive/tar (and skiff) accept.
func hugePaxHeader(t *testing.T, n int) []byte {
	t.Helper()
	val := strings.Repeat("x", n)
	rec := fmt.Sprintf(" SCHILY.xattr.user.big=%s\n", val)
	rec = fmt.Sprintf("%d%s", len(rec)+len(fmt.Sprint(len(rec)+8)), rec)
	raw := makeTar(t, file("PaxHeaders/h", rec), file("h", ""))
	raw[156] = tar.TypeXHeader
	copy(raw[148:156], "        ")
	sum := 0
	for _, b := range raw[:512] {
		sum += int(b)
	}
	copy(raw[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return raw
}
