package importer

import (
	"context"
	"fmt"
	"os"

	"github.com/skiffrun/skiff/image/layer"
	"github.com/skiffrun/skiff/image/store"
)

// ExportRootfs unpacks the image's layers, bottom first, into dir (created
// if needed), whiteouts applied: the flattened root filesystem, as
// `umoci unpack` or `docker export` give it. Each layer's content is
// checked against its diff id.
func ExportRootfs(ctx context.Context, st *store.Store, img *store.Image, dir string) error {
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unpack %s: %w", img.Name, err)
	}
	opts := layer.Options{Whiteouts: layer.ApplyWhiteouts, Rootless: os.Geteuid() != 0}
	for _, l := range layers {
		if err := unpackBlob(ctx, st, l, dir, opts); err != nil {
			return fmt.Errorf("unpack %s: %w", img.Name, err)
		}
	}
	return nil
}

func unpackBlob(ctx context.Context, st *store.Store, l store.Layer, dir string, opts layer.Options) error {
	rc, err := st.OpenBlob(l.Blob.Digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	got, err := layer.Unpack(ctx, dir, rc, opts)
	if err != nil {
		return err
	}
	if got != l.DiffID {
		return fmt.Errorf("layer %s: content hashes to %s, config says %s", l.Blob.Digest, got, l.DiffID)
	}
	return nil
}
