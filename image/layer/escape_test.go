package layer

import (
	"archive/tar"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// sandbox is a layer directory next to an "outside" directory holding a
// secret; nothing an unpack does may change outside.
type sandbox struct {
	layer, outside, secret string
}

func newSandbox(t testing.TB) sandbox {
	t.Helper()
	base := t.TempDir()
	s := sandbox{layer: filepath.Join(base, "layer"), outside: filepath.Join(base, "outside")}
	s.secret = filepath.Join(s.outside, "secret")
	for _, d := range []string{s.layer, s.outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// check fails when anything outside the layer directory changed.
func (s sandbox) check(t testing.TB) {
	t.Helper()
	ents, err := os.ReadDir(s.outside)
	if err != nil || len(ents) != 1 {
		t.Fatalf("outside directory changed: %v %v", ents, err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(s.secret, &st); err != nil {
		t.Fatalf("secret: %v", err)
	}
	b, _ := os.ReadFile(s.secret)
	if string(b) != "secret" || st.Nlink != 1 || st.Mode&0o7777 != 0o600 || st.Uid != uint32(os.Geteuid()) {
		t.Fatalf("secret changed: %q links %d mode %o uid %d", b, st.Nlink, st.Mode&0o7777, st.Uid)
	}
	if _, err := os.ReadDir(filepath.Dir(s.layer)); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(s.layer)); len(ents) != 2 {
		t.Fatalf("new files next to the layer directory: %v", ents)
	}
}

func escapeCases(s sandbox) map[string][]entry {
	return map[string][]entry{
		"dotdot file":        {file("../outside/secret", "pwned"), file("../outside/new", "x")},
		"absolute file":      {file(s.secret, "pwned"), file("/"+s.outside+"/new", "x")},
		"symlink dir escape": {symlink("l", "../outside"), file("l/secret", "pwned"), file("l/new", "x")},
		"absolute symlink":   {symlink("l", s.outside), file("l/secret", "pwned"), mkdir("l/newdir/")},
		"symlink chain":      {symlink("a", "b/.."), symlink("b", "../../.."), file("a/outside/secret", "pwned")},
		"symlink overwrite":  {symlink("f", s.secret), file("f", "pwned")},
		"hardlink escape":    {hardlink("h", "../outside/secret")},
		"hardlink via link":  {symlink("l", s.outside), hardlink("h", "l/secret")},
		"whiteout via link":  {symlink("l", s.outside), file("l/.wh.secret", "")},
		"opaque via link":    {symlink("l", s.outside), file("l/.wh..wh..opq", "")},
		"dotdot whiteout":    {file("../outside/.wh.secret", "")},
		"chmod via link": {symlink("l", s.outside), entry{name: "l/secret", typ: tar.TypeDir, mode: 0o777},
			entry{name: "l", typ: tar.TypeDir, mode: 0o777}},
		"xattr via link": {symlink("l", s.secret), entry{name: "l", typ: tar.TypeSymlink, link: s.secret,
			xattrs: map[string]string{"user.x": "y"}}},
	}
}

func TestNoEscape(t *testing.T) {
	for name := range escapeCases(sandbox{}) {
		t.Run(name, func(t *testing.T) {
			s := newSandbox(t)
			for _, w := range []Whiteouts{OverlayWhiteouts, ApplyWhiteouts} {
				err := unpack(t, s.layer, makeTar(t, escapeCases(s)[name]...), w)
				t.Logf("whiteouts %d: %v", w, err)
				s.check(t)
			}
		})
	}
}

// FuzzUnpack feeds arbitrary bytes (seeded with hostile layers) to the
// unpacker: it may fail, but never touch anything outside its directory.
//
//	go test -run '^$' -fuzz FuzzUnpack -fuzztime 60s -fuzzminimizetime 100x ./image/layer/
//
// (-fuzzminimizetime keeps the worker fuzzing instead of minimizing each
// new input for a minute.)
func FuzzUnpack(f *testing.F) {
	s := newSandbox(f)
	for _, es := range escapeCases(s) {
		f.Add(makeTar(f, es...))
	}
	f.Add(makeTar(f, mkdir("d/"), file("d/f", "x"), hardlink("d/g", "d/f"), file("d/.wh..wh..opq", "")))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The hostile seeds name this sandbox's paths; reuse it, resetting
		// the layer directory each time.
		if err := os.RemoveAll(s.layer); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(s.layer, 0o755); err != nil {
			t.Fatal(err)
		}
		_ = unpack(t, s.layer, data, Whiteouts(len(data)%2))
		s.check(t)
	})
}
