package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/runtime/initproc"
	"github.com/skiffrun/skiff/runtime/namespace"
)

// ConfigName is the file name of the configuration inside a bundle.
const ConfigName = "config.json"

// Load reads bundle/config.json, validates it and resolves the root path
// against the bundle. It returns the spec and the absolute rootfs path.
func Load(bundle string) (*specs.Spec, string, error) {
	bundle, err := filepath.Abs(bundle)
	if err != nil {
		return nil, "", fmt.Errorf("bundle %s: %w", bundle, err)
	}
	data, err := os.ReadFile(filepath.Join(bundle, ConfigName))
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", ConfigName, err)
	}
	s, err := Parse(data)
	if err != nil {
		return nil, "", err
	}
	rootfs := s.Root.Path
	if !filepath.IsAbs(rootfs) {
		rootfs = filepath.Join(bundle, rootfs)
	}
	if st, err := os.Stat(rootfs); err != nil || !st.IsDir() {
		return nil, "", fmt.Errorf("%w: root.path %q: not a directory (%s)", ErrInvalid, s.Root.Path, rootfs)
	}
	absBindSources(s, bundle)
	return s, rootfs, nil
}

// absBindSources makes relative bind-mount sources relative to the bundle,
// as runc does.
func absBindSources(s *specs.Spec, bundle string) {
	for i, m := range s.Mounts {
		if m.Source != "" && !filepath.IsAbs(m.Source) && isBind(m) {
			s.Mounts[i].Source = filepath.Join(bundle, m.Source)
		}
	}
}

func isBind(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

// Parse decodes and validates a config.json document.
func Parse(data []byte) (*specs.Spec, error) {
	var s specs.Spec
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrInvalid, ConfigName, describeJSONError(data, err))
	}
	if err := Validate(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

// describeJSONError adds the line number (and the field, for type errors)
// to a decoding error.
func describeJSONError(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("line %d: %v", lineOf(data, syn.Offset), err)
	case errors.As(err, &typ):
		return fmt.Sprintf("line %d: field %s: expected %s, got %s", lineOf(data, typ.Offset), typ.Field, typ.Type, typ.Value)
	}
	return err.Error()
}

func lineOf(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// Validate checks what this runtime needs from a config, naming the field.
func Validate(s *specs.Spec) error {
	checks := []func(*specs.Spec) error{checkVersion, checkRoot, checkProcess, checkLinux, checkHooks, checkMappings}
	for _, c := range checks {
		if err := c(s); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	return nil
}

// checkVersion accepts every 1.x version of the runtime spec up to the one
// this runtime is built with.
func checkVersion(s *specs.Spec) error {
	if s.Version == "" {
		return errors.New("ociVersion: missing; use e.g. " + specs.Version)
	}
	var major, minor int
	if _, err := fmt.Sscanf(s.Version, "%d.%d", &major, &minor); err != nil || major != specs.VersionMajor || minor > specs.VersionMinor {
		return fmt.Errorf("ociVersion %q: unsupported; this runtime supports 1.0.0 to %s", s.Version, specs.Version)
	}
	return nil
}

func checkRoot(s *specs.Spec) error {
	if s.Root == nil || s.Root.Path == "" {
		return errors.New("root.path: missing; it names the rootfs directory (e.g. \"rootfs\")")
	}
	return nil
}

func checkProcess(s *specs.Spec) error {
	p := s.Process
	if p == nil {
		return errors.New("process: missing")
	}
	if len(p.Args) == 0 || p.Args[0] == "" {
		return errors.New("process.args: must name the program to run")
	}
	if !filepath.IsAbs(p.Cwd) {
		return fmt.Errorf("process.cwd %q: must be an absolute path", p.Cwd)
	}
	for i, kv := range p.Env {
		if !strings.Contains(kv, "=") {
			return fmt.Errorf("process.env[%d] %q: must be KEY=value", i, kv)
		}
	}
	for i, l := range p.Rlimits {
		if _, ok := initproc.RlimitResource(l.Type); !ok {
			return fmt.Errorf("process.rlimits[%d].type %q: unknown; use RLIMIT_NOFILE, RLIMIT_NPROC, ... (getrlimit(2))", i, l.Type)
		}
	}
	if p.IOPriority != nil {
		if _, err := initproc.IOPriorityValue(p.IOPriority); err != nil {
			return err
		}
	}
	return nil
}

func checkLinux(s *specs.Spec) error {
	if s.Linux == nil {
		return errors.New("linux: missing; this runtime runs Linux containers")
	}
	_, err := namespace.NewPlan(s.Linux.Namespaces)
	return err
}
