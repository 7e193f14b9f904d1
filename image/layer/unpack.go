package layer

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
)

// Whiteouts says what to do with whiteout entries.
type Whiteouts int

const (
	// OverlayWhiteouts keeps them in overlayfs form: .wh.NAME becomes a 0/0
	// character device NAME, .wh..wh..opq the opaque xattr on its directory.
	OverlayWhiteouts Whiteouts = iota
	// ApplyWhiteouts deletes what they hide: layers unpacked one after the
	// other into the same directory give the flattened image.
	ApplyWhiteouts
)

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
	xattrPrefix    = "SCHILY.xattr."
)

// Options tune Unpack.
type Options struct {
	Whiteouts Whiteouts
	// Rootless skips what only root may do (owners, devices, trusted.*
	// xattrs) instead of failing, and marks opaque directories with
	// user.overlay.opaque (for overlay mounts with "userxattr").
	Rootless bool
}

// Unpack extracts the layer read from r (gzip, zstd or plain tar) into dir
// and returns the layer's diff id, the sha256 of the uncompressed tar. On
// error dir holds a partial tree: unpack into a temporary directory and
// rename it into place on success.
func Unpack(ctx context.Context, dir string, r io.Reader, o Options) (v1.Hash, error) {
	rc, err := Decompress(r)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("unpack %s: %w", dir, err)
	}
	defer rc.Close()
	d := sha256.New()
	ra := newReadahead(io.TeeReader(rc, d), 4, 1<<20)
	defer ra.Close()
	if err := unpackTar(ctx, dir, ra, o); err != nil {
		return v1.Hash{}, fmt.Errorf("unpack %s: %w", dir, err)
	}
	if _, err := io.Copy(io.Discard, ra); err != nil { // tar padding counts too
		return v1.Hash{}, fmt.Errorf("unpack %s: %w", dir, err)
	}
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(d.Sum(nil))}, nil
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// Decompress recognizes gzip and zstd by their magic bytes (media types
// of docker archives and some registries are not to be trusted) and passes
// anything else through as a plain tar.
func Decompress(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read layer: %w", err)
	}
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, nil
	case bytes.HasPrefix(magic, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return zr.IOReadCloser(), nil
	}
	return io.NopCloser(br), nil
}

// unpacker holds the state of one layer's extraction.
type unpacker struct {
	root    *root
	opts    Options
	buf     []byte
	dirs    []*tar.Header   // directory times are set last
	created map[string]bool // paths this layer made (opaque dirs keep them)
}

func unpackTar(ctx context.Context, dir string, r io.Reader, o Options) error {
	rt, err := openRoot(dir)
	if err != nil {
		return err
	}
	defer rt.close()
	u := &unpacker{root: rt, opts: o, buf: make([]byte, 1<<20), created: map[string]bool{}}
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		if err := u.entry(hdr, tr); err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
	}
	return u.dirTimes()
}

// entry dispatches one tar entry.
func (u *unpacker) entry(hdr *tar.Header, content io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil // archive-wide PAX records (git archive writes one): no file
	}
	if isSparse(hdr) {
		// A sparse entry may claim exabytes of holes: refuse, as no image
		// builder writes them.
		return fmt.Errorf("%w: sparse file", ErrUnsupported)
	}
	rel := cleanName(hdr.Name)
	parent, base := split(rel)
	if base == opaqueMarker {
		return u.opaque(parent)
	}
	if name, ok := strings.CutPrefix(base, whiteoutPrefix); ok {
		return u.whiteout(parent, name)
	}
	if rel == "" {
		return u.rootDir(hdr)
	}
	pfd, err := u.root.dir(parent, true)
	if err != nil {
		return err
	}
	keepDir, err := u.clear(pfd, base, hdr.Typeflag == tar.TypeDir)
	if err != nil {
		return err
	}
	u.created[rel] = true
	if keepDir {
		u.dirs = append(u.dirs, hdr)
		return u.metadata(pfd, base, hdr)
	}
	return u.create(pfd, base, rel, hdr, content)
}

// clear removes whatever sits at base, except a directory about to be
// re-declared as a directory (its contents stay, its metadata changes).
func (u *unpacker) clear(pfd int, base string, isDir bool) (keepDir bool, err error) {
	var st unix.Stat_t
	if err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if err == unix.ENOENT {
			return false, nil
		}
		return false, err
	}
	if isDir && st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return true, nil
	}
	// The cached handle is pfd itself, which a removal below it keeps valid.
	return false, removeAt(pfd, base)
}

func (u *unpacker) rootDir(hdr *tar.Header) error {
	if hdr.Typeflag != tar.TypeDir {
		return fmt.Errorf("%w: the layer root must be a directory", ErrUnsupported)
	}
	u.dirs = append(u.dirs, hdr)
	return u.metadata(u.root.fd, "", hdr)
}

// whiteout hides name of directory parent from the layers below.
func (u *unpacker) whiteout(parent, name string) error {
	if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return fmt.Errorf("%w: whiteout of %q", ErrUnsupported, name)
	}
	pfd, err := u.root.dir(parent, true)
	if err != nil {
		return err
	}
	if err := removeAt(pfd, name); err != nil {
		return err
	}
	if u.opts.Whiteouts == ApplyWhiteouts {
		return nil
	}
	return unix.Mknodat(pfd, name, unix.S_IFCHR, 0)
}

// opaque hides everything the layers below have in directory rel.
func (u *unpacker) opaque(rel string) error {
	fd, err := u.root.dir(rel, true)
	if err != nil {
		return err
	}
	if u.opts.Whiteouts == ApplyWhiteouts {
		keep := func(n string) bool { return u.created[joinRel(rel, n)] }
		return removeChildren(fd, ".", keep)
	}
	attr := "trusted.overlay.opaque"
	if u.opts.Rootless {
		attr = "user.overlay.opaque"
	}
	return unix.Setxattr(procPath(fd, "."), attr, []byte("y"), 0)
}

func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// dirTimes sets directory times after their contents are written.
func (u *unpacker) dirTimes() error {
	for i := len(u.dirs) - 1; i >= 0; i-- {
		hdr := u.dirs[i]
		parent, base := split(cleanName(hdr.Name))
		fd := u.root.fd
		if base != "" {
			var err error
			if fd, err = u.root.dir(parent, false); err != nil {
				if gone(err) { // a later entry of the layer replaced it
					continue
				}
				return err
			}
		}
		if err := setTimes(fd, base, hdr); err != nil && !gone(err) {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
	}
	return nil
}

func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

func gone(err error) bool { return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) }
