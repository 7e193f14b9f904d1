package importer

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/skiffrun/skiff/image/ref"
	"github.com/skiffrun/skiff/image/store"
)

// ExportOCI adds the image to the OCI layout in dir (created if needed),
// its ref.name annotation set to the tag, as skopeo's oci:DIR:TAG and
// umoci's --image DIR:TAG expect.
func ExportOCI(st *store.Store, img *store.Image, dir string) error {
	v, err := st.V1Image(img)
	if err != nil {
		return fmt.Errorf("export %s: %w", img.Name, err)
	}
	r, err := ref.Parse(img.Name)
	if err != nil {
		return err
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return fmt.Errorf("export %s: %w", img.Name, err)
		}
	}
	tag := r.Identifier()
	if err := p.AppendImage(v, layout.WithAnnotations(map[string]string{store.RefNameAnnotation: tag})); err != nil {
		return fmt.Errorf("export %s to %s: %w", img.Name, dir, err)
	}
	return nil
}

// WriteDockerArchive writes a `docker save` tar of the image to w.
func WriteDockerArchive(st *store.Store, img *store.Image, w io.Writer) error {
	v, err := st.V1Image(img)
	if err != nil {
		return fmt.Errorf("export %s: %w", img.Name, err)
	}
	r, err := ref.Parse(img.Name)
	if err != nil {
		return err
	}
	if err := tarball.Write(r, v, w); err != nil {
		return fmt.Errorf("export %s: %w", img.Name, err)
	}
	return nil
}

// ExportDockerArchive writes a `docker save` tar of the image to file,
// through a temporary file renamed into place.
func ExportDockerArchive(st *store.Store, img *store.Image, file string) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".skiff-export-*")
	if err != nil {
		return fmt.Errorf("export %s: %w", img.Name, err)
	}
	defer os.Remove(tmp.Name())
	err = WriteDockerArchive(st, img, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export %s to %s: %w", img.Name, file, err)
	}
	return os.Rename(tmp.Name(), file)
}

// ExportOCIArchive writes the image as a tar of an OCI layout (skopeo's
// oci-archive:FILE:TAG), through a temporary file renamed into place.
func ExportOCIArchive(ctx context.Context, st *store.Store, img *store.Image, file string) error {
	dir, err := os.MkdirTemp("", "skiff-oci-export-")
	if err != nil {
		return fmt.Errorf("export %s: %w", img.Name, err)
	}
	defer os.RemoveAll(dir)
	if err := ExportOCI(st, img, dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".skiff-export-*")
	if err != nil {
		return fmt.Errorf("export %s: %w", img.Name, err)
	}
	defer os.Remove(tmp.Name())
	err = TarDir(ctx, dir, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export %s to %s: %w", img.Name, file, err)
	}
	return os.Rename(tmp.Name(), file)
}
