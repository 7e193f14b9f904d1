package pull

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	goruntime "runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/skiffrun/skiff/image/ref"
	"github.com/skiffrun/skiff/image/store"
)

// Options tune a pull. The zero value pulls the host platform with the
// default keychain, quietly.
type Options struct {
	Insecure  []string          // registries spoken to over plain HTTP
	Platform  *v1.Platform      // default linux/<host arch>
	Keychain  authn.Keychain    // default authn.DefaultKeychain
	Transport http.RoundTripper // default http.DefaultTransport
	Progress  io.Writer         // per-layer progress; nil for none
	Jobs      int               // parallel layer downloads (default 3)
	Log       *slog.Logger
}

// HostPlatform is linux/<GOARCH>, the platform skiff runs.
func HostPlatform() v1.Platform {
	return v1.Platform{OS: "linux", Architecture: goruntime.GOARCH}
}

// Pull fetches name from its registry into st and returns the stored image.
func Pull(ctx context.Context, st *store.Store, name string, o Options) (*store.Image, error) {
	r, err := ref.Parse(name, o.Insecure...)
	if err != nil {
		return nil, err
	}
	canon := ref.Name(r)
	img, err := remote.Image(r, o.remoteOptions(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", canon, explain(err))
	}
	p := newProgress(o.Progress)
	stored, err := st.WriteImage(ctx, canon, img, store.WriteOptions{Jobs: o.Jobs, Progress: p.update})
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", canon, explain(err))
	}
	o.logger().Info("pulled image", "name", canon, "digest", stored.Digest)
	return stored, nil
}

// Ensure returns the local image named name, pulling it only when the
// store does not have it (as `docker run` does).
func Ensure(ctx context.Context, st *store.Store, name string, o Options) (*store.Image, error) {
	img, err := st.Get(name)
	if err == nil {
		return img, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return Pull(ctx, st, name, o)
}

func (o Options) logger() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

func (o Options) remoteOptions(ctx context.Context) []remote.Option {
	plat := HostPlatform()
	if o.Platform != nil {
		plat = *o.Platform
	}
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithPlatform(plat),
		remote.WithAuthFromKeychain(kc),
		remote.WithRetryBackoff(remote.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Steps: 3}),
	}
	if o.Transport != nil {
		opts = append(opts, remote.WithTransport(o.Transport))
	}
	return opts
}
