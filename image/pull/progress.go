package pull

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"

	"github.com/skiffrun/skiff/image/store"
)

// progress prints one line per layer: a bar redrawn in place on a
// terminal, otherwise a plain line when a layer starts and when it ends.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	tty    bool
	layers []store.LayerProgress // by index, for redrawing
	seen   map[int]bool
	drawn  int // lines drawn by the last redraw
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, seen: map[int]bool{}}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progress) update(u store.LayerProgress) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.layers) <= u.Index {
		p.layers = append(p.layers, store.LayerProgress{Index: len(p.layers)})
	}
	p.layers[u.Index] = u
	if p.tty {
		p.redraw()
		return
	}
	if !p.seen[u.Index] && !u.Done {
		fmt.Fprintf(p.w, "%s: downloading %s\n", short(u), size(u.Total))
	}
	p.seen[u.Index] = true
	if u.Done {
		fmt.Fprintln(p.w, line(u))
	}
}

func (p *progress) redraw() {
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", p.drawn)
	}
	for _, l := range p.layers {
		fmt.Fprintf(p.w, "\x1b[2K%s\n", line(l))
	}
	p.drawn = len(p.layers)
}

func short(u store.LayerProgress) string {
	if len(u.Digest.Hex) < 12 {
		return "waiting     "
	}
	return u.Digest.Hex[:12]
}

// line renders one layer's state.
func line(u store.LayerProgress) string {
	switch {
	case u.Cached:
		return fmt.Sprintf("%s: already exists", short(u))
	case u.Done:
		return fmt.Sprintf("%s: pull complete %s", short(u), size(u.Total))
	case u.Total <= 0:
		return fmt.Sprintf("%s: waiting", short(u))
	}
	const width = 30
	n := int(int64(width) * u.Complete / u.Total)
	n = min(max(n, 0), width)
	return fmt.Sprintf("%s: [%s>%s] %s/%s", short(u), strings.Repeat("=", n), strings.Repeat(" ", width-n), size(u.Complete), size(u.Total))
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fkB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}
