package pull

import (
	"bytes"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiffrun/skiff/image/store"
)

func TestProgressLines(t *testing.T) {
	h := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	cases := map[string]store.LayerProgress{
		"ababababab: [===============>               ] 512B/1.0kB": {Digest: h, Total: 1024, Complete: 512},
		"abababababab: pull complete 2.0MB":                        {Digest: h, Total: 2 << 20, Done: true},
		"abababababab: already exists":                             {Digest: h, Cached: true, Done: true},
	}
	for want, p := range cases {
		if got := line(p); !strings.HasPrefix(got, want[:10]) || !strings.HasSuffix(got, want[strings.Index(want, ":"):]) {
			t.Errorf("line(%+v) = %q, want %q", p, got, want)
		}
	}
	// Not a terminal: one line when a layer starts, one when it ends.
	var out bytes.Buffer
	p := newProgress(&out)
	p.update(store.LayerProgress{Digest: h, Total: 100, Complete: 10})
	p.update(store.LayerProgress{Digest: h, Total: 100, Complete: 50})
	p.update(store.LayerProgress{Digest: h, Total: 100, Complete: 100, Done: true})
	if got := strings.Count(out.String(), "\n"); got != 2 || strings.Contains(out.String(), "\x1b") {
		t.Errorf("plain progress:\n%q", out.String())
	}
	// A terminal redraws in place.
	out.Reset()
	p = &progress{w: &out, tty: true, seen: map[int]bool{}}
	p.update(store.LayerProgress{Digest: h, Total: 100, Complete: 10})
	p.update(store.LayerProgress{Digest: h, Index: 1, Total: 100, Complete: 10})
	p.update(store.LayerProgress{Digest: h, Total: 100, Done: true})
	if !strings.Contains(out.String(), "\x1b[2A") {
		t.Errorf("terminal progress does not move the cursor up:\n%q", out.String())
	}
}
