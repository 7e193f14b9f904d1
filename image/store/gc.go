package store

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/image/ref"
)

// V1Image is the go-containerregistry view of a stored image, for exports
// and pushes.
func (s *Store) V1Image(img *Image) (v1.Image, error) {
	p, err := layout.FromPath(s.dir)
	if err != nil {
		return nil, fmt.Errorf("open layout %s: %w", s.dir, err)
	}
	return p.Image(img.Digest)
}

// Remove drops a name ("rmi"). Blobs stay until Prune.
func (s *Store) Remove(name string) error {
	img, err := s.Get(name)
	if err != nil {
		return err
	}
	return s.withIndex(func(idx *v1.IndexManifest) (bool, error) {
		before := len(idx.Manifests)
		idx.Manifests = without(idx.Manifests, img.Name)
		return len(idx.Manifests) != before, nil
	})
}

// PruneReport says what Prune removed.
type PruneReport struct {
	Blobs []v1.Hash
	Bytes int64
}

// Prune deletes every blob that no named image references, and leftovers
// of interrupted writes older than a minute.
func (s *Store) Prune() (PruneReport, error) {
	unlock, err := s.gcLock(unix.LOCK_EX)
	if err != nil {
		return PruneReport{}, err
	}
	defer unlock()
	keep, err := s.referenced()
	if err != nil {
		return PruneReport{}, err
	}
	rep, err := s.sweep(keep)
	if err != nil {
		return rep, err
	}
	return rep, s.cleanIngest(time.Minute)
}

func (s *Store) referenced() (map[string]bool, error) {
	all, err := s.List()
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	keep := map[string]bool{}
	for _, img := range all {
		keep[img.Digest.Hex] = true
		keep[img.ID().Hex] = true
		for _, l := range img.Manifest.Layers {
			keep[l.Digest.Hex] = true
		}
	}
	return keep, nil
}

func (s *Store) sweep(keep map[string]bool) (PruneReport, error) {
	var rep PruneReport
	dir := s.path("blobs", "sha256")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return rep, fmt.Errorf("prune: %w", err)
	}
	for _, e := range ents {
		if keep[e.Name()] {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return rep, fmt.Errorf("prune blob %s: %w", e.Name(), err)
		}
		rep.Blobs = append(rep.Blobs, v1.Hash{Algorithm: "sha256", Hex: e.Name()})
		rep.Bytes += info.Size()
	}
	return rep, nil
}

func (s *Store) cleanIngest(age time.Duration) error {
	ents, err := os.ReadDir(s.path(ingestDir))
	if err != nil {
		return fmt.Errorf("prune ingest: %w", err)
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			os.Remove(s.path(ingestDir, e.Name()))
		}
	}
	return nil
}

// DisplayName is the short form of a canonical name (busybox:latest).
func DisplayName(canonical string) string { return ref.Short(canonical) }
