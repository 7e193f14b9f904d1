package pod

import "time"

// Kubernetes' container restart back-off: the first restart is immediate,
// then 10 s, doubling up to 5 min; a container that ran for 10 min without
// failing starts over.
const (
	DefaultBackoffBase = 10 * time.Second
	DefaultBackoffMax  = 5 * time.Minute
	backoffReset       = 10 * time.Minute
)

// Backoff computes restart delays. The zero value uses Kubernetes' numbers.
type Backoff struct {
	Base, Max time.Duration
}

// Delay is the wait before restarting a container that has already been
// restarted `restarts` times since its back-off was last reset.
func (b Backoff) Delay(restarts int) time.Duration {
	base, limit := b.Base, b.Max
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if limit <= 0 {
		limit = DefaultBackoffMax
	}
	if restarts <= 0 {
		return 0
	}
	d := base
	for i := 1; i < restarts && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// ranLongEnough reports whether a run resets the back-off.
func ranLongEnough(started, finished time.Time) bool {
	return finished.Sub(started) >= backoffReset
}
