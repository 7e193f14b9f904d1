package process

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestArgs(t *testing.T) {
	img := v1.Config{Entrypoint: []string{"/entry"}, Cmd: []string{"default"}}
	cases := []struct {
		name string
		cfg  v1.Config
		o    Overrides
		want []string
	}{
		{"image only", img, Overrides{}, []string{"/entry", "default"}},
		{"user cmd replaces Cmd", img, Overrides{Cmd: []string{"x", "y"}}, []string{"/entry", "x", "y"}},
		{"user entrypoint drops Cmd", img, Overrides{Entrypoint: []string{"/other"}}, []string{"/other"}},
		{"both", img, Overrides{Entrypoint: []string{"/other"}, Cmd: []string{"a"}}, []string{"/other", "a"}},
		{"empty entrypoint clears", img, Overrides{Entrypoint: []string{}, Cmd: []string{"sh"}}, []string{"sh"}},
		{"cmd only image", v1.Config{Cmd: []string{"sh"}}, Overrides{}, []string{"sh"}},
	}
	for _, c := range cases {
		got, err := Args(c.cfg, c.o)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := Args(v1.Config{}, Overrides{}); !errors.Is(err, ErrNoCommand) {
		t.Errorf("no command: %v", err)
	}
	if _, err := Args(img, Overrides{Entrypoint: []string{}}); !errors.Is(err, ErrNoCommand) {
		t.Errorf("cleared entrypoint and no cmd: %v", err)
	}
}

func TestEnvAndCwd(t *testing.T) {
	cfg := v1.Config{Env: []string{"A=1", "B=2"}, WorkingDir: "app"}
	got := Env(cfg, Overrides{Env: []string{"B=3", "C=4"}})
	want := []string{"A=1", "B=3", "C=4", DefaultPath}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Env = %v, want %v", got, want)
	}
	if got := Cwd(cfg, Overrides{}); got != "/app" {
		t.Errorf("Cwd = %q", got)
	}
	if got := Cwd(v1.Config{}, Overrides{}); got != "/" {
		t.Errorf("Cwd = %q", got)
	}
}

func TestStopSignalAndVolumes(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"": syscall.SIGTERM, "SIGQUIT": syscall.SIGQUIT, "kill": syscall.SIGKILL, "2": syscall.SIGINT} {
		if got, err := StopSignal(v1.Config{StopSignal: in}); err != nil || got != want {
			t.Errorf("StopSignal(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"SIGNOPE", "0", "99"} {
		if _, err := StopSignal(v1.Config{StopSignal: bad}); !errors.Is(err, ErrBadSignal) {
			t.Errorf("StopSignal(%q) = %v, want ErrBadSignal", bad, err)
		}
	}
	got := Volumes(v1.Config{Volumes: map[string]struct{}{"/data": {}, "var/log": {}}})
	if !reflect.DeepEqual(got, []string{"/data", "/var/log"}) {
		t.Errorf("Volumes = %v", got)
	}
}

func rootfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1000::/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/group"), []byte("root:x:0:\napp:x:1000:\nwheel:x:10:app,root\naudio:x:29:app\nnogroup:x:65534:\n"), 0o644)
	return dir
}

func TestResolveUser(t *testing.T) {
	dir := rootfs(t)
	cases := map[string]specs.User{
		"":            {UID: 0, GID: 0, AdditionalGids: []uint32{10}},
		"app":         {UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 29}},
		"1000":        {UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 29}},
		"app:audio":   {UID: 1000, GID: 29},
		"1000:65534":  {UID: 1000, GID: 65534},
		"4242":        {UID: 4242, GID: 0},
		"nobody:root": {UID: 65534, GID: 0},
	}
	for in, want := range cases {
		got, _, err := ResolveUser(dir, in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ResolveUser(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"ghost", "app:ghosts"} {
		if _, _, err := ResolveUser(dir, bad); !errors.Is(err, ErrUnknownUser) {
			t.Errorf("ResolveUser(%q) = %v, want ErrUnknownUser", bad, err)
		}
	}
}

func TestPasswdSymlinkStaysInRootfs(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.MkdirAll(filepath.Join(dir, "alt"), 0o755)
	os.WriteFile(filepath.Join(dir, "alt/passwd"), []byte("alt:x:77:77::/:/bin/sh\n"), 0o644)
	// An absolute symlink escaping with ".." resolves inside the rootfs.
	os.Symlink("/../../../../alt/passwd", filepath.Join(dir, "etc/passwd"))
	u, _, err := ResolveUser(dir, "alt")
	if err != nil || u.UID != 77 {
		t.Errorf("ResolveUser(alt) = %+v, %v; want uid 77 from the rootfs", u, err)
	}
	if _, _, err := ResolveUser(dir, "root"); !errors.Is(err, ErrUnknownUser) {
		t.Errorf("root resolved from outside the rootfs: %v", err)
	}
}

func TestProcess(t *testing.T) {
	p, err := Process(v1.Config{Cmd: []string{"sh"}, User: "app", WorkingDir: "/srv"}, rootfs(t), Overrides{Env: []string{"X=1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &specs.Process{Args: []string{"sh"}, Env: []string{"X=1", DefaultPath, "HOME=/home/app"}, Cwd: "/srv",
		User: specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 29}}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Process = %+v\nwant %+v", p, want)
	}
}
