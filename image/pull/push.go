package pull

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/skiffrun/skiff/image/ref"
	"github.com/skiffrun/skiff/image/store"
)

// Push uploads a stored image to a registry as dest ("" means the image's
// own name). Blobs the registry already has are not sent again.
func Push(ctx context.Context, st *store.Store, img *store.Image, dest string, o Options) error {
	if dest == "" {
		dest = img.Name
	}
	r, err := ref.Parse(dest, o.Insecure...)
	if err != nil {
		return err
	}
	v, err := st.V1Image(img)
	if err != nil {
		return err
	}
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
	if o.Transport != nil {
		opts = append(opts, remote.WithTransport(o.Transport))
	}
	if err := remote.Write(r, v, opts...); err != nil {
		return fmt.Errorf("push %s: %w", ref.Name(r), explain(err))
	}
	o.logger().Info("pushed image", "name", ref.Name(r), "digest", img.Digest)
	return nil
}
