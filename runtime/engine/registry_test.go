package engine_test

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/skiffrun/skiff/image/importer"
	"github.com/skiffrun/skiff/internal/testutil"
	"github.com/skiffrun/skiff/runtime/engine"
)

// TestRunPullsFromARegistry runs an image the store does not have: skiff
// pulls it from a registry on loopback (go-containerregistry's in-process
// one), then runs it.
func TestRunPullsFromARegistry(t *testing.T) {
	v := newEnv(t)
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	img, err := importer.BusyboxImage(context.Background(), testutil.Busybox)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host+"/lab/box:1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	_, code, err := v.e.Run(context.Background(), engine.RunConfig{Image: host + "/lab/box:1", Insecure: []string{host},
		Network: "none", Remove: true, Cmd: []string{"echo", "pulled and ran"}})
	if err != nil || code != 0 || v.output() != "pulled and ran\n" {
		t.Fatalf("run: exit %d, %v, output %q", code, err, v.output())
	}
}
