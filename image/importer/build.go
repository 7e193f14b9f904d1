package importer

import (
	"bytes"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// imageFromTar makes a one-layer OCI image of an uncompressed tar. The layer
// is gzipped without a timestamp, so equal input gives an equal digest.
func imageFromTar(layerTar []byte, cfg v1.Config, created time.Time, createdBy string) (v1.Image, error) {
	opener := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerTar)), nil }
	return imageFromOpener(opener, cfg, created, createdBy)
}

func imageFromOpener(opener tarball.Opener, cfg v1.Config, created time.Time, createdBy string) (v1.Image, error) {
	layer, err := tarball.LayerFromOpener(opener, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, fmt.Errorf("build layer: %w", err)
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
		History: v1.History{Created: v1.Time{Time: created}, CreatedBy: createdBy}})
	if err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS, cf.Config, cf.Created = hostArch(), "linux", cfg, v1.Time{Time: created}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	return img, nil
}
