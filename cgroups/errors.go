package cgroups

import "errors"

var (
	// ErrInvalidResources: a resources field has a value this host cannot
	// apply (negative, malformed, out of range, not supported by this
	// cgroup version). The error text names the field and what is allowed.
	ErrInvalidResources = errors.New("invalid resources")

	// ErrControllerMissing: a controller the request needs is not mounted,
	// not delegated to the parent cgroup, or bound to the other hierarchy.
	ErrControllerMissing = errors.New("cgroup controller missing")

	// ErrInvalidPath: the cgroupsPath or parent is malformed.
	ErrInvalidPath = errors.New("invalid cgroup path")

	// ErrNotExist: Load found no cgroup at a recorded path.
	ErrNotExist = errors.New("cgroup does not exist")

	// ErrExist: Create found the container's cgroup already there.
	ErrExist = errors.New("cgroup already exists")

	// ErrNoCgroupFD: the manager cannot give a directory fd for
	// CLONE_INTO_CGROUP (cgroup v1 and hybrid hosts); use Apply(pid).
	ErrNoCgroupFD = errors.New("no cgroup fd on cgroup v1: use Apply(pid)")

	// ErrNoCgroupFS: no cgroup file system is mounted.
	ErrNoCgroupFS = errors.New("no cgroup file system mounted")

	// ErrBusy: Destroy gave up because processes remain in the cgroup.
	ErrBusy = errors.New("cgroup busy")
)

// FieldError is a resources problem tied to one OCI field, e.g.
// "resources.memory.swap". It wraps ErrInvalidResources or
// ErrControllerMissing.
type FieldError struct {
	Field string // OCI JSON path below linux.resources, e.g. "memory.swap"
	Msg   string
	Err   error
}

func (e *FieldError) Error() string { return "resources." + e.Field + ": " + e.Msg }
func (e *FieldError) Unwrap() error { return e.Err }
