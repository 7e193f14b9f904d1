package cgroups

import (
	"fmt"
	"log/slog"
	"path"
	"strings"
)

// DefaultParent is where a container's cgroup goes when neither
// cgroupsPath nor a parent is given: /skiff/<id> in every hierarchy.
const DefaultParent = "/skiff"

// Options configure New beyond the OCI cgroupsPath.
type Options struct {
	// ID names the cgroup (<parent>/<id>) when cgroupsPath is empty.
	ID string
	// Parent is the --cgroup-parent: the cgroup that holds containers
	// without a cgroupsPath. Absolute ("/skiff") is relative to the
	// hierarchy root; relative ("skiff-test") is relative to the caller's
	// own cgroup. Empty means DefaultParent. Ignored when cgroupsPath is set.
	Parent string
	// Log receives debug lines for every file written; nil discards.
	Log *slog.Logger
}

// target is a resolved cgroup path before it meets a host: either
// absolute from each hierarchy's root, or relative to the caller's own
// cgroup in each hierarchy (which differs per v1 controller).
type target struct {
	Path     string // cleaned; absolute starts with "/"
	Relative bool
}

// resolveTarget applies runc's cgroupsPath rules:
//
//	"/a/b"  -> /a/b below the hierarchy root
//	"a/b"   -> a/b below the caller's own cgroup (/proc/self/cgroup)
//	""      -> <parent>/<id>, parent defaulting to /skiff
func resolveTarget(cgroupsPath string, o Options) (target, error) {
	if cgroupsPath != "" {
		return cleanTarget("cgroupsPath", cgroupsPath)
	}
	if o.ID == "" || strings.ContainsAny(o.ID, "/:") || o.ID == "." || o.ID == ".." {
		return target{}, fmt.Errorf("container id %q: %w: need a non-empty name without '/' or ':' when cgroupsPath is empty", o.ID, ErrInvalidPath)
	}
	parent := o.Parent
	if parent == "" {
		parent = DefaultParent
	}
	t, err := cleanTarget("cgroup parent", parent)
	if err != nil && parent != "/" {
		return target{}, err
	}
	if parent == "/" {
		t = target{Path: "/"}
	}
	t.Path = path.Join(t.Path, o.ID)
	return t, nil
}

// cleanTarget validates one user-supplied path.
func cleanTarget(field, p string) (target, error) {
	if strings.Contains(p, ":") {
		return target{}, fmt.Errorf("%s %q: %w: the systemd form slice:prefix:name needs a systemd cgroup driver, which skiff does not have; give a path such as /skiff/NAME", field, p, ErrInvalidPath)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return target{}, fmt.Errorf("%s %q: %w: '..' is not allowed", field, p, ErrInvalidPath)
		}
	}
	rel := !strings.HasPrefix(p, "/")
	clean := path.Clean("/" + p)
	if clean == "/" {
		return target{}, fmt.Errorf("%s %q: %w: names the root cgroup; give a child such as /skiff/NAME", field, p, ErrInvalidPath)
	}
	if rel {
		return target{Path: strings.TrimPrefix(clean, "/"), Relative: true}, nil
	}
	return target{Path: clean}, nil
}

// in returns the cgroup path of t in a hierarchy where the caller's own
// cgroup is own.
func (t target) in(own string) string {
	if !t.Relative {
		return t.Path
	}
	if own == "" {
		own = "/"
	}
	return path.Join(own, t.Path)
}
