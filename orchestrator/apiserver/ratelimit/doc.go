// Package ratelimit is the API server's rate limiting stage (lab 11): a
// cap on requests in flight, read-only and mutating counted separately
// (--max-requests-inflight, --max-mutating-requests-inflight), shared
// fairly between users.
//
// Each user holds at most a share of a pool's slots; a request over its
// share waits in its user's own short queue, and freed slots go to the
// waiting users in turn (round robin), so one client flooding the server
// fills only its own queue and gets 429 with Retry-After while everyone
// else is still served. Long-running requests (watches, exec, attach,
// port-forward, logs, proxy) and the system:masters group (the
// administrator and the server's own loopback client) are not limited.
//
// Read pool.go first (the fair queue), then limiter.go.
package ratelimit
