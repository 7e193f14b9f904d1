package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// checkHooks refuses a hook whose path is not absolute, or, for the hooks
// whose path resolves in the runtime's namespace, does not exist: found at
// create, before anything is made, rather than when the hook is due.
// startContainer hooks resolve inside the container and are only checked
// for an absolute path.
func checkHooks(s *specs.Spec) error {
	if s.Hooks == nil {
		return nil
	}
	h := s.Hooks
	for _, kind := range []struct {
		name   string
		hooks  []specs.Hook
		onHost bool
	}{
		{"prestart", h.Prestart, true}, // deprecated in the spec, still run
		{"createRuntime", h.CreateRuntime, true},
		{"createContainer", h.CreateContainer, true},
		{"startContainer", h.StartContainer, false},
		{"poststart", h.Poststart, true},
		{"poststop", h.Poststop, true},
	} {
		for i, hook := range kind.hooks {
			if err := checkHook(hook, kind.onHost); err != nil {
				return fmt.Errorf("hooks.%s[%d].path %q: %w", kind.name, i, hook.Path, err)
			}
		}
	}
	return nil
}

func checkHook(h specs.Hook, onHost bool) error {
	if !filepath.IsAbs(h.Path) {
		return errors.New("must be an absolute path")
	}
	if !onHost {
		return nil
	}
	st, err := os.Stat(h.Path)
	if err != nil {
		return errors.New("no such file on the host")
	}
	if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return errors.New("not an executable file")
	}
	return nil
}

// checkMappings refuses user namespace mappings that the kernel would
// refuse (with a bare EINVAL at clone time): an empty range, or two ranges
// that overlap inside the container or on the host.
func checkMappings(s *specs.Spec) error {
	if s.Linux == nil {
		return nil
	}
	for _, m := range []struct {
		field string
		maps  []specs.LinuxIDMapping
	}{{"linux.uidMappings", s.Linux.UIDMappings}, {"linux.gidMappings", s.Linux.GIDMappings}} {
		if err := checkRanges(m.field, m.maps); err != nil {
			return err
		}
	}
	return nil
}

func checkRanges(field string, maps []specs.LinuxIDMapping) error {
	for i, a := range maps {
		if a.Size == 0 {
			return fmt.Errorf("%s[%d].size: must be at least 1", field, i)
		}
		for j, b := range maps[:i] {
			if overlap(a.ContainerID, a.Size, b.ContainerID, b.Size) {
				return fmt.Errorf("%s[%d]: container ids %d-%d overlap those of %s[%d]", field, i, a.ContainerID, uint64(a.ContainerID)+uint64(a.Size)-1, field, j)
			}
			if overlap(a.HostID, a.Size, b.HostID, b.Size) {
				return fmt.Errorf("%s[%d]: host ids %d-%d overlap those of %s[%d]", field, i, a.HostID, uint64(a.HostID)+uint64(a.Size)-1, field, j)
			}
		}
	}
	return nil
}

// overlap reports whether [a, a+n) and [b, b+m) share an id.
func overlap(a, n, b, m uint32) bool {
	return uint64(a) < uint64(b)+uint64(m) && uint64(b) < uint64(a)+uint64(n)
}
