package importer

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/skiffrun/skiff/image/pull"
	"github.com/skiffrun/skiff/image/ref"
	"github.com/skiffrun/skiff/image/store"
)

// Resolve finds the image a user named, the way `skiff run` needs it: the
// local store first; then, for busybox:latest on a host with a static
// busybox, the offline image built from it; then a pull from the registry.
func Resolve(ctx context.Context, st *store.Store, name string, o pull.Options) (*store.Image, error) {
	img, err := st.Get(name)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return img, err
	}
	if canon, _ := ref.Normalize(name); canon == BusyboxName {
		if _, err := os.Stat(HostBusybox); err == nil {
			return Busybox(ctx, st, HostBusybox, logger(o.Log))
		}
	}
	return pull.Pull(ctx, st, name, o)
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
