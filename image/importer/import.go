package importer

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/skiffrun/skiff/image/layer"
	"github.com/skiffrun/skiff/image/ref"
	"github.com/skiffrun/skiff/image/store"
)

// Format names an import/export format.
type Format string

const (
	FormatAuto          Format = ""
	FormatOCI           Format = "oci"            // OCI image layout, directory or tar
	FormatDockerArchive Format = "docker-archive" // `docker save` tar
	FormatOCIArchive    Format = "oci-archive"    // tar of an OCI layout (export; import reads it as oci)
	FormatRootfs        Format = "rootfs"         // a root filesystem, directory or tar
)

// Options tune Import.
type Options struct {
	Format Format
	// Name names the image; required for a rootfs, and for layouts and
	// archives whose images carry no full name.
	Name string
	// Config is the image config of a rootfs import (Cmd, Env, ...).
	Config v1.Config
}

// Import reads the images at path into st. Nothing is named until all of
// an image's blobs are stored.
func Import(ctx context.Context, st *store.Store, path string, o Options) ([]*store.Image, error) {
	if o.Name != "" {
		if _, err := ref.Normalize(o.Name); err != nil {
			return nil, err
		}
	}
	f := o.Format
	if f == FormatAuto {
		var err error
		if f, err = Detect(path); err != nil {
			return nil, err
		}
	}
	switch f {
	case FormatOCI, FormatOCIArchive:
		return importOCI(ctx, st, path, o)
	case FormatDockerArchive:
		return importDockerArchive(ctx, st, path, o)
	case FormatRootfs:
		img, err := importRootfs(ctx, st, path, o)
		if err != nil {
			return nil, err
		}
		return []*store.Image{img}, nil
	}
	return nil, fmt.Errorf("%w: --format %q: use oci, docker-archive or rootfs", ErrFormat, f)
}

// Detect tells the format of path: a directory with an oci-layout file or
// a tar holding one is OCI, a tar with manifest.json is docker-archive,
// any other directory or tar is a root filesystem.
func Detect(path string) (Format, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("import %s: %w", path, err)
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "oci-layout")); err == nil {
			return FormatOCI, nil
		}
		return FormatRootfs, nil
	}
	names, err := tarNames(path, 4096)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrFormat, path, err)
	}
	switch {
	case names["oci-layout"]:
		return FormatOCI, nil
	case names["manifest.json"]:
		return FormatDockerArchive, nil
	}
	return FormatRootfs, nil
}

// tarNames lists (at most max) entry names of a possibly compressed tar.
func tarNames(path string, max int) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rc, err := layer.Decompress(f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	names := map[string]bool{}
	for len(names) < max {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		names[strings.TrimPrefix(filepath.Clean(h.Name), "./")] = true
	}
	return names, nil
}

// importOCI reads an OCI layout (a directory, or a tar extracted first).
func importOCI(ctx context.Context, st *store.Store, path string, o Options) ([]*store.Image, error) {
	dir := path
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		tmp, err := os.MkdirTemp("", "skiff-oci-")
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
		defer os.RemoveAll(tmp)
		if err := extractTar(ctx, path, tmp); err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
		dir = tmp
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	return importIndex(ctx, st, idx, path, o)
}

func extractTar(ctx context.Context, path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = layer.Unpack(ctx, dir, f, layer.Options{Whiteouts: layer.ApplyWhiteouts, Rootless: true})
	return err
}

// importIndex stores each image of a layout's index.json under its name.
func importIndex(ctx context.Context, st *store.Store, idx v1.ImageIndex, path string, o Options) ([]*store.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	if len(im.Manifests) == 0 {
		return nil, fmt.Errorf("import %s: %w: index.json lists no image", path, ErrFormat)
	}
	var out []*store.Image
	for _, d := range im.Manifests {
		n, err := layoutName(d, o.Name, len(im.Manifests))
		if err != nil {
			return out, fmt.Errorf("import %s: %w", path, err)
		}
		img, err := platformImage(idx, d)
		if err != nil {
			return out, fmt.Errorf("import %s: %w", path, err)
		}
		stored, err := st.WriteImage(ctx, n, img, store.WriteOptions{})
		if err != nil {
			return out, err
		}
		out = append(out, stored)
	}
	return out, nil
}

// layoutName names an image of a layout: its ref.name annotation when that
// is a full reference, the given name (with the annotation as its tag when
// it is just a tag), or an error.
func layoutName(d v1.Descriptor, given string, count int) (string, error) {
	ann := d.Annotations[store.RefNameAnnotation]
	if ann != "" && strings.ContainsAny(ann, "/") {
		if n, err := ref.Normalize(ann); err == nil {
			return n, nil
		}
	}
	if given == "" {
		return "", fmt.Errorf("%w: the layout names its image %q only; pass a name (e.g. busybox:latest)", ErrNeedName, ann)
	}
	if count == 1 || ann == "" {
		return given, nil
	}
	r, err := ref.Parse(given)
	if err != nil {
		return "", err
	}
	return ref.Name(r.Context().Tag(ann)), nil
}

// platformImage resolves a descriptor to an image, picking the host
// platform out of a nested index.
func platformImage(idx v1.ImageIndex, d v1.Descriptor) (v1.Image, error) {
	if !d.MediaType.IsIndex() {
		return idx.Image(d.Digest)
	}
	child, err := idx.ImageIndex(d.Digest)
	if err != nil {
		return nil, err
	}
	cm, err := child.IndexManifest()
	if err != nil {
		return nil, err
	}
	want := v1.Platform{OS: "linux", Architecture: hostArch()}
	for _, c := range cm.Manifests {
		if c.Platform != nil && c.Platform.Satisfies(want) && c.MediaType.IsImage() {
			return child.Image(c.Digest)
		}
	}
	return nil, fmt.Errorf("%w: no linux/%s image in the index", ErrFormat, hostArch())
}

// importDockerArchive stores every tagged image of a `docker save` tar.
func importDockerArchive(ctx context.Context, st *store.Store, path string, o Options) ([]*store.Image, error) {
	opener := func() (io.ReadCloser, error) { return os.Open(path) }
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	var out []*store.Image
	for _, entry := range m {
		tags := entry.RepoTags
		if len(tags) == 0 {
			if o.Name == "" {
				return out, fmt.Errorf("import %s: %w: the archive has an untagged image", path, ErrNeedName)
			}
			tags = []string{o.Name}
		}
		for _, t := range tags {
			img, err := archiveImage(opener, t, len(m))
			if err != nil {
				return out, fmt.Errorf("import %s: %s: %w", path, t, err)
			}
			stored, err := st.WriteImage(ctx, t, img, store.WriteOptions{})
			if err != nil {
				return out, err
			}
			out = append(out, stored)
		}
	}
	return out, nil
}

func archiveImage(opener tarball.Opener, t string, entries int) (v1.Image, error) {
	if entries == 1 {
		return tarball.Image(opener, nil)
	}
	tag, err := name.NewTag(t)
	if err != nil {
		return nil, err
	}
	return tarball.Image(opener, &tag)
}

// importRootfs makes a one-layer image of a root filesystem (`docker import`).
func importRootfs(ctx context.Context, st *store.Store, path string, o Options) (*store.Image, error) {
	if o.Name == "" {
		return nil, fmt.Errorf("import %s: %w: a root filesystem carries none", path, ErrNeedName)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	tarPath := path
	if fi.IsDir() {
		tmp, err := os.CreateTemp("", "skiff-rootfs-*.tar")
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
		defer os.Remove(tmp.Name())
		err = TarDir(ctx, path, tmp)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
		tarPath = tmp.Name()
	}
	cfg := o.Config
	if len(cfg.Env) == 0 {
		cfg.Env = []string{DefaultPath}
	}
	opener := func() (io.ReadCloser, error) { return os.Open(tarPath) }
	img, err := imageFromOpener(opener, cfg, time.Now().UTC().Truncate(time.Second), "skiff image import "+filepath.Base(path))
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	return st.WriteImage(ctx, o.Name, img, store.WriteOptions{})
}
