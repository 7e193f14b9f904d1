package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/skiffrun/skiff/image/layer"
	"github.com/skiffrun/skiff/image/store"
)

// Snapshotter manages unpacked layers and container root filesystems.
type Snapshotter struct {
	dir   string
	store *store.Store
	log   *slog.Logger
}

// New opens the snapshots of the data directory (<dataDir>/snapshots),
// reading layer blobs from st.
func New(dataDir string, st *store.Store, log *slog.Logger) (*Snapshotter, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Snapshotter{dir: filepath.Join(dataDir, "snapshots"), store: st, log: log}
	for _, d := range []string{"layers", "l", "containers", "tmp"} {
		if err := os.MkdirAll(s.path(d), 0o700); err != nil {
			return nil, fmt.Errorf("open snapshots %s: %w", s.dir, err)
		}
	}
	return s, nil
}

func (s *Snapshotter) path(elem ...string) string {
	return filepath.Join(append([]string{s.dir}, elem...)...)
}

// Rootfs is where the container's root filesystem is mounted.
func (s *Snapshotter) Rootfs(id string) string { return s.path("containers", id, "rootfs") }

// containerRecord is containers/<id>/layers.json: what the container
// uses, so that Prune keeps it.
type containerRecord struct {
	Image   string    `json:"image"`
	DiffIDs []v1.Hash `json:"diffIDs"`
}

// Prepare unpacks the image's missing layers and mounts the container's
// rootfs: an overlay of the layers under a fresh upper directory. It
// returns the rootfs directory. On error nothing of the container is left.
func (s *Snapshotter) Prepare(ctx context.Context, id string, img *store.Image) (string, error) {
	if err := checkID(id); err != nil {
		return "", err
	}
	layers, err := img.Layers()
	if err != nil {
		return "", err
	}
	lowers, err := s.ensureLayers(ctx, layers)
	if err != nil {
		return "", fmt.Errorf("prepare %s: %w", id, err)
	}
	if len(lowers) == 0 {
		if lowers, err = s.emptyLower(); err != nil {
			return "", fmt.Errorf("prepare %s: %w", id, err)
		}
	}
	rootfs, err := s.createContainer(id, img, layers, lowers)
	if err != nil {
		return "", fmt.Errorf("prepare %s: %w", id, err)
	}
	s.log.Debug("prepared rootfs", "container", id, "image", img.Name, "layers", len(layers))
	return rootfs, nil
}

// ensureLayers unpacks missing layers, two at a time (each goes to its own
// directory), and returns their lowerdir paths, bottom first.
func (s *Snapshotter) ensureLayers(ctx context.Context, layers []store.Layer) ([]string, error) {
	lowers := make([]string, len(layers))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for i, l := range layers {
		g.Go(func() error {
			short, err := s.EnsureLayer(ctx, l)
			lowers[i] = "l/" + short
			return err
		})
	}
	return lowers, g.Wait()
}

// createContainer makes containers/<id> and mounts the overlay; any
// failure removes the directory again.
func (s *Snapshotter) createContainer(id string, img *store.Image, layers []store.Layer, lowers []string) (rootfs string, err error) {
	dir := s.path("containers", id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("%w: remove it first", ErrExists)
		}
		return "", err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	for _, d := range []string{"upper", "work", "rootfs"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			return "", err
		}
	}
	rec := containerRecord{Image: img.Name}
	for _, l := range layers {
		rec.DiffIDs = append(rec.DiffIDs, l.DiffID)
	}
	data, _ := json.Marshal(rec)
	if err := os.WriteFile(filepath.Join(dir, "layers.json"), data, 0o600); err != nil {
		return "", err
	}
	opts, err := mountOptions(lowers, filepath.Join(dir, "upper"), filepath.Join(dir, "work"))
	if err != nil {
		return "", err
	}
	rootfs = filepath.Join(dir, "rootfs")
	if err := mountOverlay(s.dir, rootfs, opts); err != nil {
		return "", err
	}
	return rootfs, nil
}

// Remove unmounts the container's rootfs and deletes its directory (its
// writes included). Removing an unknown container is not an error.
func (s *Snapshotter) Remove(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	dir := s.path("containers", id)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := unmount(filepath.Join(dir, "rootfs")); err != nil {
		return fmt.Errorf("remove rootfs of %s: %w", id, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove rootfs of %s: %w", id, err)
	}
	return nil
}

// EnsureLayer unpacks a layer unless it already is, and returns the name
// of its link in l/. The unpack goes to tmp/ and is renamed into place, so
// layers/ only ever holds complete layers.
func (s *Snapshotter) EnsureLayer(ctx context.Context, l store.Layer) (string, error) {
	final := s.path("layers", l.DiffID.Hex)
	if _, err := os.Stat(final); err != nil {
		if err := s.unpackLayer(ctx, l, final); err != nil {
			return "", err
		}
	}
	return s.link(l.DiffID.Hex)
}

func (s *Snapshotter) unpackLayer(ctx context.Context, l store.Layer, final string) error {
	if l.DiffID.Algorithm != "sha256" || len(l.DiffID.Hex) != 64 {
		return fmt.Errorf("layer %s: unsupported diff id", l.DiffID)
	}
	rc, err := s.store.OpenBlob(l.Blob.Digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	tmp, err := os.MkdirTemp(s.path("tmp"), l.DiffID.Hex[:12]+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // gone after the rename
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	got, err := layer.Unpack(ctx, tmp, rc, layer.Options{Whiteouts: layer.OverlayWhiteouts})
	if err != nil {
		return fmt.Errorf("layer %s: %w", l.Blob.Digest, err)
	}
	if got != l.DiffID {
		return fmt.Errorf("layer %s: %w: got %s, want %s", l.Blob.Digest, ErrDiffID, got, l.DiffID)
	}
	if err := os.Rename(tmp, final); err != nil && !isExist(err) {
		return fmt.Errorf("layer %s: %w", l.DiffID, err)
	}
	return nil
}

// isExist: another process finished unpacking the same layer first.
func isExist(err error) bool {
	return errors.Is(err, os.ErrExist) || errors.Is(err, errNotEmpty)
}

// link makes (or finds) l/<short> -> ../layers/<hex>.
func (s *Snapshotter) link(hex string) (string, error) {
	target := filepath.Join("..", "layers", hex)
	short := shortName(hex, func(n string) (bool, bool) {
		got, err := os.Readlink(s.path("l", n))
		return got == target, err == nil
	})
	err := os.Symlink(target, s.path("l", short))
	if err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("link layer %s: %w", hex, err)
	}
	return short, nil
}

// emptyLower is the single lower of an image without layers.
func (s *Snapshotter) emptyLower() ([]string, error) {
	if err := os.MkdirAll(s.path("l", "empty"), 0o755); err != nil {
		return nil, err
	}
	return []string{"l/empty"}, nil
}
