package importer

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path"
	goruntime "runtime"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiffrun/skiff/image/store"
)

const (
	// BusyboxName is the canonical name of the offline default image.
	BusyboxName = "docker.io/library/busybox:latest"
	// HostBusybox is where Debian's busybox-static installs the binary.
	HostBusybox = "/bin/busybox"
	// DefaultPath is the PATH of images built here (Docker's default).
	DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// EnsureBusybox returns busybox:latest from the store, building it from the
// host's /bin/busybox first when it is missing.
func EnsureBusybox(ctx context.Context, st *store.Store, log *slog.Logger) (*store.Image, error) {
	if img, err := st.Get(BusyboxName); err == nil {
		return img, nil
	}
	return Busybox(ctx, st, HostBusybox, log)
}

// Busybox builds busybox:latest from a static busybox binary (usually
// HostBusybox) and stores it. Built twice from the same binary, the image
// is the same, digest for digest.
func Busybox(ctx context.Context, st *store.Store, busybox string, log *slog.Logger) (*store.Image, error) {
	img, err := BusyboxImage(ctx, busybox)
	if err != nil {
		return nil, err
	}
	stored, err := st.WriteImage(ctx, BusyboxName, img, store.WriteOptions{})
	if err != nil {
		return nil, err
	}
	if log != nil {
		log.Info("built busybox image", "from", busybox, "digest", stored.Digest)
	}
	return stored, nil
}

// BusyboxImage builds the image without storing it.
func BusyboxImage(ctx context.Context, busybox string) (v1.Image, error) {
	bin, err := os.ReadFile(busybox)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (install the busybox-static package)", ErrNoBusybox, err)
	}
	if !isStatic(bin) {
		return nil, fmt.Errorf("%w: %s is dynamically linked (install the busybox-static package)", ErrNoBusybox, busybox)
	}
	applets, err := appletPaths(ctx, busybox)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(busybox)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoBusybox, err)
	}
	created := fi.ModTime().UTC().Truncate(time.Second)
	layer, err := busyboxTar(bin, applets, created)
	if err != nil {
		return nil, err
	}
	cfg := v1.Config{Env: []string{DefaultPath}, Cmd: []string{"sh"}}
	return imageFromTar(layer, cfg, created, "skiff image import --busybox")
}

// isStatic reports whether an ELF binary has no program interpreter.
func isStatic(elf []byte) bool {
	return bytes.HasPrefix(elf, []byte("\x7fELF")) && !bytes.Contains(elf[:min(len(elf), 4096)], []byte("/lib64/ld-linux")) &&
		!bytes.Contains(elf[:min(len(elf), 4096)], []byte("/lib/ld-"))
}

// appletPaths asks busybox where its applets live (bin/sh, usr/bin/awk ...).
func appletPaths(ctx context.Context, busybox string) ([]string, error) {
	out, err := exec.CommandContext(ctx, busybox, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w", busybox, err)
	}
	var paths []string
	for _, p := range strings.Fields(string(out)) {
		if p = cleanRel(p); p != "" && p != "bin/busybox" {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	return paths, nil
}

func cleanRel(p string) string { return strings.TrimPrefix(path.Clean("/"+p), "/") }

// busyboxTar lays out the root filesystem: directories, the binary, one
// hardlink per applet, and the few files of /etc a shell expects.
func busyboxTar(bin []byte, applets []string, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]int64{"bin": 0o755, "dev": 0o755, "etc": 0o755, "home": 0o755, "proc": 0o555,
		"root": 0o700, "sys": 0o555, "tmp": 0o1777, "usr": 0o755, "usr/bin": 0o755, "usr/sbin": 0o755,
		"sbin": 0o755, "var": 0o755, "var/tmp": 0o1777, "var/log": 0o755, "run": 0o755}
	for _, a := range applets {
		if d := path.Dir(a); d != "." {
			if _, ok := dirs[d]; !ok {
				dirs[d] = 0o755
			}
		}
	}
	w := tarWriter{tw: tw, mtime: mtime}
	w.dirs(dirs)
	w.file("bin/busybox", 0o755, bin)
	for _, a := range applets {
		w.add(&tar.Header{Name: a, Typeflag: tar.TypeLink, Linkname: "bin/busybox", Mode: 0o755})
	}
	names := make([]string, 0, len(etcFiles))
	for name := range etcFiles {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w.file(name, 0o644, []byte(etcFiles[name]))
	}
	if w.err != nil {
		return nil, fmt.Errorf("build busybox layer: %w", w.err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("build busybox layer: %w", err)
	}
	return buf.Bytes(), nil
}

// etcFiles are the small files of the busybox image (root and nobody).
var etcFiles = map[string]string{
	"etc/passwd":   "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
	"etc/group":    "root:x:0:\nnobody:x:65534:\n",
	"etc/hostname": "busybox\n",
	"etc/hosts":    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
	"etc/shells":   "/bin/sh\n/bin/ash\n",
}

// tarWriter writes entries in a stable order with fixed times and owners,
// keeping the first error.
type tarWriter struct {
	tw    *tar.Writer
	mtime time.Time
	err   error
}

func (w *tarWriter) add(h *tar.Header) {
	if w.err != nil {
		return
	}
	h.ModTime, h.Uname, h.Gname, h.Format = w.mtime, "root", "root", tar.FormatPAX
	w.err = w.tw.WriteHeader(h)
}

func (w *tarWriter) dirs(modes map[string]int64) {
	names := make([]string, 0, len(modes))
	for d := range modes {
		names = append(names, d)
	}
	sort.Strings(names) // parents before children
	for _, d := range names {
		w.add(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: modes[d]})
	}
}

func (w *tarWriter) file(name string, mode int64, data []byte) {
	w.add(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(data))})
	if w.err == nil {
		_, w.err = io.Copy(w.tw, bytes.NewReader(data))
	}
}

// hostArch is the architecture images built here declare.
func hostArch() string { return goruntime.GOARCH }
