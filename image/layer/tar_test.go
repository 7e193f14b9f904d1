package layer

import (
	"archive/tar"
	"bytes"
	"testing"
	"time"
)

// entry describes one tar entry of a test layer.
type entry struct {
	name, link string
	typ        byte
	mode       int64
	body       string
	uid, gid   int
	major      int64
	xattrs     map[string]string
	mtime      time.Time
}

var epoch = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

func file(name, body string) entry {
	return entry{name: name, typ: tar.TypeReg, mode: 0o644, body: body}
}
func mkdir(name string) entry { return entry{name: name, typ: tar.TypeDir, mode: 0o755} }
func symlink(name, to string) entry {
	return entry{name: name, typ: tar.TypeSymlink, link: to, mode: 0o777}
}
func hardlink(name, to string) entry {
	return entry{name: name, typ: tar.TypeLink, link: to, mode: 0o644}
}

func makeTar(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: e.mode, Size: int64(len(e.body)),
			Uid: e.uid, Gid: e.gid, Devmajor: e.major, ModTime: e.mtime, Format: tar.FormatPAX}
		if hdr.ModTime.IsZero() {
			hdr.ModTime = epoch
		}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		for k, v := range e.xattrs {
			if hdr.PAXRecords == nil {
				hdr.PAXRecords = map[string]string{}
			}
			hdr.PAXRecords[xattrPrefix+k] = v
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Size > 0 {
			tw.Write([]byte(e.body))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
