package ratelimit

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// Config sizes the limiter; zero values take kube-apiserver's defaults.
type Config struct {
	MaxInFlight         int // read-only requests (default 400)
	MaxMutatingInFlight int // writes (default 200)
	// PerUser is the most slots one user holds in a pool (default a
	// quarter of the pool, at least 1).
	PerUser int
	// QueueLength is how many requests of one user may wait (default
	// 10); QueueWait how long they wait (default 1s).
	QueueLength int
	QueueWait   time.Duration
	// RetryAfter is what a refused client is told (default 1s).
	RetryAfter time.Duration
	Log        *slog.Logger
}

// Limiter implements apiserver.RateLimiter.
type Limiter struct {
	cfg            Config
	read, mutating *pool
	log            *slog.Logger
}

// New builds a limiter; a negative size is an error.
func New(cfg Config) (*Limiter, error) {
	if cfg.MaxInFlight < 0 || cfg.MaxMutatingInFlight < 0 || cfg.PerUser < 0 || cfg.QueueLength < 0 {
		return nil, fmt.Errorf("rate limiter: in-flight limits, per-user share and queue length must be >= 0")
	}
	fill(&cfg.MaxInFlight, 400)
	fill(&cfg.MaxMutatingInFlight, 200)
	fill(&cfg.QueueLength, 10)
	if cfg.QueueWait == 0 {
		cfg.QueueWait = time.Second
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	share := func(n int) int {
		if cfg.PerUser > 0 {
			return min(cfg.PerUser, n)
		}
		return max(1, n/4)
	}
	return &Limiter{cfg: cfg, log: cfg.Log,
		read:     newPool(cfg.MaxInFlight, share(cfg.MaxInFlight), cfg.QueueLength),
		mutating: newPool(cfg.MaxMutatingInFlight, share(cfg.MaxMutatingInFlight), cfg.QueueLength)}, nil
}

func fill(v *int, def int) {
	if *v == 0 {
		*v = def
	}
}

// Admit implements apiserver.RateLimiter.
func (l *Limiter) Admit(r *http.Request, u *apiserver.User) (bool, time.Duration, func()) {
	if exempt(r, u) {
		return true, 0, nil
	}
	p, kind := l.read, "read-only"
	if mutating(r.Method) {
		p, kind = l.mutating, "mutating"
	}
	name := u.Name
	if !p.acquire(name, l.cfg.QueueWait) {
		l.log.Debug("ratelimit: refused", "user", name, "pool", kind, "path", r.URL.Path)
		return false, l.cfg.RetryAfter, nil
	}
	l.log.Debug("ratelimit: admitted", "user", name, "pool", kind, "path", r.URL.Path)
	return true, 0, func() { p.release(name) }
}

func mutating(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// longRunning are the subresources whose requests last as long as the
// client wants.
var longRunning = []string{"exec", "attach", "portforward", "proxy", "log"}

func exempt(r *http.Request, u *apiserver.User) bool {
	if u == nil || slices.Contains(u.Groups, "system:masters") {
		return true
	}
	if w := r.URL.Query().Get("watch"); w == "true" || w == "1" || strings.Contains(r.URL.Path, "/watch/") {
		return true
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	return len(parts) > 0 && slices.Contains(longRunning, parts[len(parts)-1])
}
