package snapshot

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PruneReport lists the layer directories Prune removed.
type PruneReport struct {
	Layers []string // diff id hex
}

// Prune removes unpacked layers that no stored image and no container
// uses, dangling links in l/, and leftovers of interrupted unpacks.
func (s *Snapshotter) Prune(ctx context.Context) (PruneReport, error) {
	var rep PruneReport
	keep, err := s.inUse()
	if err != nil {
		return rep, fmt.Errorf("prune snapshots: %w", err)
	}
	ents, err := os.ReadDir(s.path("layers"))
	if err != nil {
		return rep, fmt.Errorf("prune snapshots: %w", err)
	}
	for _, e := range ents {
		if keep[e.Name()] {
			continue
		}
		if err := os.RemoveAll(s.path("layers", e.Name())); err != nil {
			return rep, fmt.Errorf("prune layer %s: %w", e.Name(), err)
		}
		rep.Layers = append(rep.Layers, e.Name())
	}
	s.removeDanglingLinks()
	s.clearTmp()
	return rep, nil
}

// inUse collects the diff ids of stored images and existing containers.
func (s *Snapshotter) inUse() (map[string]bool, error) {
	keep := map[string]bool{}
	imgs, err := s.store.List()
	if err != nil {
		return nil, err
	}
	for _, img := range imgs {
		for _, d := range img.Config.RootFS.DiffIDs {
			keep[d.Hex] = true
		}
	}
	ents, err := os.ReadDir(s.path("containers"))
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		data, err := os.ReadFile(s.path("containers", e.Name(), "layers.json"))
		if err != nil {
			// A container being created has no record yet: keep everything.
			return nil, fmt.Errorf("container %s: %w (retry once it is created)", e.Name(), err)
		}
		var rec containerRecord
		if err := json.Unmarshal(data, &rec); err != nil {
			return nil, fmt.Errorf("container %s: %w", e.Name(), err)
		}
		for _, d := range rec.DiffIDs {
			keep[d.Hex] = true
		}
	}
	return keep, nil
}

func (s *Snapshotter) removeDanglingLinks() {
	ents, _ := os.ReadDir(s.path("l"))
	for _, e := range ents {
		p := s.path("l", e.Name())
		target, err := os.Readlink(p)
		if err != nil || !strings.HasPrefix(target, filepath.Join("..", "layers")) {
			continue
		}
		if _, err := os.Stat(p); os.IsNotExist(err) {
			os.Remove(p)
		}
	}
}

// clearTmp removes unpack directories of processes that died mid-unpack;
// ones younger than an hour may belong to a running unpack.
func (s *Snapshotter) clearTmp() {
	ents, _ := os.ReadDir(s.path("tmp"))
	for _, e := range ents {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
			os.RemoveAll(s.path("tmp", e.Name()))
		}
	}
}

// Users lists the containers whose rootfs was prepared from the image
// named name (canonical form), so that rmi can refuse to untag it.
func (s *Snapshotter) Users(name string) ([]string, error) {
	ents, err := os.ReadDir(s.path("containers"))
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var ids []string
	for _, e := range ents {
		data, err := os.ReadFile(s.path("containers", e.Name(), "layers.json"))
		if err != nil {
			continue // being created or removed
		}
		var rec containerRecord
		if json.Unmarshal(data, &rec) == nil && rec.Image == name {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}
