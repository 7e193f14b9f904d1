package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/image/ref"
)

// RefNameAnnotation is the index.json annotation that names an image.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// Image is one named image of the store, its manifest and config parsed.
type Image struct {
	Name     string // canonical: docker.io/library/busybox:latest
	Digest   v1.Hash
	Manifest *v1.Manifest
	Config   *v1.ConfigFile
}

// ID is the config digest, the image id docker shows.
func (i *Image) ID() v1.Hash { return i.Manifest.Config.Digest }

// Size is the sum of the compressed layer sizes.
func (i *Image) Size() int64 {
	var n int64
	for _, l := range i.Manifest.Layers {
		n += l.Size
	}
	return n
}

// Layer pairs a stored layer blob with the digest of its uncompressed tar.
type Layer struct {
	Blob   v1.Descriptor `json:"blob"`
	DiffID v1.Hash       `json:"diffID"`
}

// Layers lists the image's layers, bottom first.
func (i *Image) Layers() ([]Layer, error) {
	diffs := i.Config.RootFS.DiffIDs
	if len(diffs) != len(i.Manifest.Layers) {
		return nil, fmt.Errorf("image %s: config lists %d diff ids for %d layers", i.Name, len(diffs), len(i.Manifest.Layers))
	}
	out := make([]Layer, len(diffs))
	for n, d := range i.Manifest.Layers {
		out[n] = Layer{Blob: d, DiffID: diffs[n]}
	}
	return out, nil
}

// LayerProgress reports bytes written of one layer blob; Done is set once,
// at the end, and Cached when the blob was already in the store.
type LayerProgress struct {
	Digest   v1.Hash
	Index    int
	Total    int64
	Complete int64
	Cached   bool
	Done     bool
}

// WriteOptions tune WriteImage.
type WriteOptions struct {
	Jobs     int                 // parallel layer downloads (default 3)
	Progress func(LayerProgress) // called from several goroutines
}

// WriteImage copies img (from a registry, a tarball, a layout) into the
// store and names it. Layers are fetched in parallel; blobs already present
// are skipped. The name only appears once every blob is in place.
func (s *Store) WriteImage(ctx context.Context, name string, img v1.Image, o WriteOptions) (*Image, error) {
	canon, err := ref.Normalize(name)
	if err != nil {
		return nil, err
	}
	unlock, err := s.gcLock(unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlock()
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("write image %s: manifest: %w", canon, err)
	}
	if err := s.writeLayers(ctx, img, m, o); err != nil {
		return nil, fmt.Errorf("write image %s: %w", canon, err)
	}
	desc, err := s.writeConfigAndManifest(img, m)
	if err != nil {
		return nil, fmt.Errorf("write image %s: %w", canon, err)
	}
	if err := s.Tag(canon, desc); err != nil {
		return nil, err
	}
	return s.Get(canon)
}

func (s *Store) writeLayers(ctx context.Context, img v1.Image, m *v1.Manifest, o WriteOptions) error {
	jobs := o.Jobs
	if jobs <= 0 {
		jobs = 3
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for i, d := range m.Layers {
		g.Go(func() error { return s.writeLayer(ctx, img, i, d, o.Progress) })
	}
	return g.Wait()
}

func (s *Store) writeLayer(ctx context.Context, img v1.Image, i int, d v1.Descriptor, progress func(LayerProgress)) error {
	report := func(p LayerProgress) {
		if progress != nil {
			progress(p)
		}
	}
	p := LayerProgress{Digest: d.Digest, Index: i, Total: d.Size}
	if s.HasBlob(d.Digest) {
		p.Cached, p.Done, p.Complete = true, true, d.Size
		report(p)
		return nil
	}
	l, err := img.LayerByDigest(d.Digest)
	if err != nil {
		return fmt.Errorf("layer %s: %w", d.Digest, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return fmt.Errorf("layer %s: %w", d.Digest, err)
	}
	defer rc.Close()
	cr := &countingReader{ctx: ctx, r: rc, report: func(n int64) { p.Complete = n; report(p) }}
	if err := s.WriteBlob(d.Digest, d.Size, cr); err != nil {
		return err
	}
	p.Complete, p.Done = d.Size, true
	report(p)
	return nil
}

// countingReader reports progress at most every 100ms and stops on ctx.
type countingReader struct {
	ctx    context.Context
	r      io.Reader
	n      int64
	last   time.Time
	report func(int64)
}

func (c *countingReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(b)
	c.n += int64(n)
	if now := time.Now(); now.Sub(c.last) > 100*time.Millisecond {
		c.last = now
		c.report(c.n)
	}
	return n, err
}

func (s *Store) writeConfigAndManifest(img v1.Image, m *v1.Manifest) (v1.Descriptor, error) {
	if !s.HasBlob(m.Config.Digest) {
		cfg, err := img.RawConfigFile()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("config: %w", err)
		}
		if err := s.WriteBlob(m.Config.Digest, int64(len(cfg)), bytes.NewReader(cfg)); err != nil {
			return v1.Descriptor{}, fmt.Errorf("config: %w", err)
		}
	}
	raw, err := img.RawManifest()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("manifest: %w", err)
	}
	h, err := s.PutBlob(raw)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("manifest: %w", err)
	}
	mt := m.MediaType
	if mt == "" {
		mt = types.OCIManifestSchema1
	}
	return v1.Descriptor{MediaType: mt, Size: int64(len(raw)), Digest: h}, nil
}

// Tag points name at a manifest already in the store, replacing the image
// the name pointed at before.
func (s *Store) Tag(name string, desc v1.Descriptor) error {
	canon, err := ref.Normalize(name)
	if err != nil {
		return err
	}
	if !s.HasBlob(desc.Digest) {
		return fmt.Errorf("tag %s: manifest %s: %w", canon, desc.Digest, ErrNotFound)
	}
	desc.Annotations = map[string]string{RefNameAnnotation: canon}
	return s.withIndex(func(idx *v1.IndexManifest) (bool, error) {
		idx.Manifests = append(without(idx.Manifests, canon), desc)
		return true, nil
	})
}

// TagImage gives a stored image another name.
func (s *Store) TagImage(name string, img *Image) error {
	fi, err := os.Stat(s.BlobPath(img.Digest))
	if err != nil {
		return fmt.Errorf("tag %s: %w", name, err)
	}
	mt := img.Manifest.MediaType
	if mt == "" {
		mt = types.OCIManifestSchema1
	}
	return s.Tag(name, v1.Descriptor{MediaType: mt, Digest: img.Digest, Size: fi.Size()})
}

func without(ds []v1.Descriptor, name string) []v1.Descriptor {
	out := ds[:0:0]
	for _, d := range ds {
		if d.Annotations[RefNameAnnotation] != name {
			out = append(out, d)
		}
	}
	return out
}

// List returns every named image, sorted by name.
func (s *Store) List() ([]*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	var out []*Image
	for _, d := range idx.Manifests {
		img, err := s.load(d.Annotations[RefNameAnnotation], d.Digest)
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Get finds an image by name ("busybox", "docker.io/library/busybox:latest")
// or by a prefix (at least 4 hex digits) of its id.
func (s *Store) Get(nameOrID string) (*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	if canon, err := ref.Normalize(nameOrID); err == nil {
		for _, d := range idx.Manifests {
			if d.Annotations[RefNameAnnotation] == canon {
				return s.load(canon, d.Digest)
			}
		}
	}
	return s.byID(nameOrID)
}

func (s *Store) byID(id string) (*Image, error) {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) < 4 || strings.Trim(id, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("image %s: %w (pull it, or import it: skiff image import --help)", id, ErrNotFound)
	}
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	var found *Image
	for _, img := range all {
		if strings.HasPrefix(img.ID().Hex, id) {
			if found != nil && found.ID() != img.ID() {
				return nil, fmt.Errorf("image %s: %w: matches %s and %s", id, ErrAmbiguous, found.Name, img.Name)
			}
			found = img
		}
	}
	if found == nil {
		return nil, fmt.Errorf("image %s: %w", id, ErrNotFound)
	}
	return found, nil
}

func (s *Store) load(name string, h v1.Hash) (*Image, error) {
	raw, err := s.ReadBlob(h)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("image %s: manifest: %w", name, err)
	}
	cfgRaw, err := s.ReadBlob(m.Config.Digest)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(cfgRaw))
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", name, err)
	}
	return &Image{Name: name, Digest: h, Manifest: m, Config: cfg}, nil
}

// gcLock: image writers share it, garbage collection takes it alone, so a
// blob written for an image not yet named is never collected.
func (s *Store) gcLock(how int) (func(), error) {
	f, err := os.Open(s.dir)
	if err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock store: %w", err)
	}
	return func() { f.Close() }, nil
}

// MarshalConfig is the raw config of an image, for inspect.
func (i *Image) MarshalConfig() ([]byte, error) { return json.MarshalIndent(i.Config, "", "  ") }
