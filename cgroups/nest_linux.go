package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// Nest prepares the caller's own cgroup to hold container cgroups below
// it and returns the parent to pass as Options.Parent, plus an undo that
// removes that parent and reverts every change. Tests use it to stay
// inside the cgroup they were started in; a runtime that is itself
// confined (nested containers) can do the same.
//
// cgroup v1: nothing to prepare; the parent is the relative name, which
// resolves below the caller's own cgroup in each hierarchy (those differ:
// memory:/machine/x but cpu:/).
//
// cgroup v2: controllers must be enabled in own/cgroup.subtree_control,
// which the kernel refuses while own holds processes (the
// no-internal-process rule; the root cgroup is exempt). Then the calling
// process moves to a leaf own/<name>-self first. The parent returned is
// absolute, own/<name>, since the caller's own cgroup has changed.
func Nest(name string) (parent string, undo func() error, err error) {
	if _, err := cleanTarget("nest name", name); err != nil || path.Base(name) != name {
		return "", nil, fmt.Errorf("nest %q: %w: want a single path element", name, ErrInvalidPath)
	}
	l, err := detect()
	if err != nil {
		return "", nil, err
	}
	own, err := SelfPaths()
	if err != nil {
		return "", nil, err
	}
	if !l.Mode.V2() {
		return name, func() error { return rmdirV1(l, own, name) }, nil
	}
	return nestV2(dirOf(l.V2, own[""]), own[""], name)
}

func rmdirV1(l *layout, own map[string]string, name string) error {
	var errs []error
	for _, c := range v1Controllers {
		if m := l.V1[c]; m != nil {
			if err := unix.Rmdir(dirOf(m, path.Join(own[c], name))); err != nil && !errors.Is(err, unix.ENOENT) {
				errs = append(errs, fmt.Errorf("rmdir %s/%s in %s: %w", own[c], name, c, err))
			}
		}
	}
	return errors.Join(errs...)
}

func nestV2(ownDir, ownPath, name string) (string, func() error, error) {
	offered, _ := readFile(ownDir, "cgroup.controllers")
	ctrls := slices.DeleteFunc(slices.Clone(v2Controllers), func(c string) bool {
		return !slices.Contains(splitFields(offered), c)
	})
	leaf := ""
	enabled, err := enable(ownDir, ctrls)
	if errors.Is(err, unix.EBUSY) {
		leaf = path.Join(ownDir, name+"-self")
		if err := os.Mkdir(leaf, 0o755); err != nil {
			return "", nil, fmt.Errorf("nest: %w", err)
		}
		if err := writeFile(leaf, "cgroup.procs", strconv.Itoa(os.Getpid())); err != nil {
			_ = unix.Rmdir(leaf)
			return "", nil, fmt.Errorf("nest: move self to a leaf: %w", err)
		}
		enabled, err = enable(ownDir, ctrls)
	}
	undo := func() error {
		var errs []error
		if err := unix.Rmdir(path.Join(ownDir, name)); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("rmdir %s: %w", path.Join(ownDir, name), err))
		}
		disable(ownDir, enabled)
		if leaf != "" {
			if err := writeFile(ownDir, "cgroup.procs", strconv.Itoa(os.Getpid())); err != nil {
				errs = append(errs, err)
			}
			if err := unix.Rmdir(leaf); err != nil {
				errs = append(errs, fmt.Errorf("rmdir %s: %w", leaf, err))
			}
		}
		return errors.Join(errs...)
	}
	if err != nil {
		return "", nil, errors.Join(fmt.Errorf("nest: %w", err), undo())
	}
	return path.Join(ownPath, name), undo, nil
}
