package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Busybox is where Debian's busybox-static puts the static binary.
const Busybox = "/bin/busybox"

// RequireRoot skips a test that needs root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: run the suite as root (make test)")
	}
}

// BusyboxRootfs writes a minimal root filesystem into dir: the static
// busybox with a link per applet, /etc/passwd and /etc/group, and the
// empty directories a container's mounts need.
func BusyboxRootfs(t testing.TB, dir string) {
	t.Helper()
	if _, err := os.Stat(Busybox); err != nil {
		t.Skipf("needs %s (apt-get install busybox-static)", Busybox)
	}
	if err := WriteBusyboxRootfs(dir); err != nil {
		t.Fatal(err)
	}
}

var applets struct {
	once sync.Once
	list []string
	err  error
}

// WriteBusyboxRootfs is BusyboxRootfs for callers without a testing.TB.
func WriteBusyboxRootfs(dir string) error {
	applets.once.Do(func() {
		out, err := exec.Command(Busybox, "--list-full").Output()
		applets.list, applets.err = strings.Fields(string(out)), err
	})
	if applets.err != nil {
		return applets.err
	}
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(Busybox)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/busybox"), data, 0o755); err != nil {
		return err
	}
	for _, a := range applets.list {
		link := filepath.Join(dir, a)
		if a == "bin/busybox" {
			continue
		}
		if err := os.Symlink("/bin/busybox", link); err != nil && !os.IsExist(err) {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd":   "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":    "root:x:0:\nnogroup:x:65534:\n",
		"etc/hostname": "skiff\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

var build struct {
	once sync.Once
	path string
	err  error
}

// SkiffBinary returns a static skiff binary: $SKIFF_BIN when set (make test
// builds one), otherwise one built once into a temporary directory, which
// RunNested removes when the package's tests end.
func SkiffBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SKIFF_BIN"); p != "" {
		return p
	}
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "skiff-bin-")
		if err == nil {
			// MkdirTemp makes it 0700: a container's init running as a
			// mapped uid (user namespaces) must still exec the binary.
			err = os.Chmod(dir, 0o755)
		}
		if err != nil {
			build.err = err
			return
		}
		build.path = filepath.Join(dir, "skiff")
		cmd := exec.Command("go", "build", "-o", build.path, "github.com/skiffrun/skiff/cmd/skiff")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			build.err = err
			build.path = string(out)
		}
	})
	if build.err != nil {
		t.Fatalf("build skiff: %v\n%s", build.err, build.path)
	}
	return build.path
}

// removeBuiltBinary deletes the binary SkiffBinary built, if it did.
func removeBuiltBinary() {
	if build.path != "" && build.err == nil {
		os.RemoveAll(filepath.Dir(build.path))
	}
}

// ModuleRoot returns the repository's top directory.
func ModuleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
