// Package audit writes the API server's audit log (lab 11,
// --audit-log-path): one JSON line per decision that settles a request —
// who did what, and which stage decided: authentication (refused),
// ratelimit (refused), authorization (allowed or refused, with the RBAC
// binding that allowed it) or admission (refused, with the plugin's
// message).
//
// Wrap decorates the stages of an apiserver.Config; the stages
// themselves know nothing of auditing. Read audit.go.
package audit
