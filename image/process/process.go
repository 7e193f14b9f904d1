package process

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"syscall"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// DefaultPath is set when neither the image nor the user sets PATH.
const DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Overrides are what the user asked for on the command line.
type Overrides struct {
	// Entrypoint, when non-nil, replaces the image's (an empty slice clears
	// it, like --entrypoint ""), and drops the image's Cmd.
	Entrypoint []string
	// Cmd, when non-empty, replaces the image's Cmd.
	Cmd        []string
	Env        []string // KEY=VALUE, over the image's
	WorkingDir string
	User       string // user[:group], names or numbers
}

// Process builds the container's process from the image config. rootfs is
// the container's root filesystem, where user and group names are looked
// up.
func Process(cfg v1.Config, rootfs string, o Overrides) (*specs.Process, error) {
	args, err := Args(cfg, o)
	if err != nil {
		return nil, err
	}
	userSpec := cfg.User
	if o.User != "" {
		userSpec = o.User
	}
	u, home, err := ResolveUser(rootfs, userSpec)
	if err != nil {
		return nil, err
	}
	env := Env(cfg, o)
	if _, ok := lookupEnv(env, "HOME"); !ok {
		env = append(env, "HOME="+home)
	}
	return &specs.Process{Args: args, Env: env, Cwd: Cwd(cfg, o), User: u}, nil
}

// Args applies Docker's rules: args = entrypoint + cmd, where a user
// command replaces the image's Cmd, and a user entrypoint replaces the
// image's Entrypoint and drops its Cmd.
func Args(cfg v1.Config, o Overrides) ([]string, error) {
	entry, cmd := cfg.Entrypoint, cfg.Cmd
	if o.Entrypoint != nil {
		entry, cmd = o.Entrypoint, nil
	}
	if len(o.Cmd) > 0 {
		cmd = o.Cmd
	}
	args := append(append([]string{}, entry...), cmd...)
	if len(args) == 0 {
		return nil, fmt.Errorf("%w: the image has no Entrypoint or Cmd; give a command after the image name", ErrNoCommand)
	}
	return args, nil
}

// Env is the image's environment with the user's entries replacing
// entries of the same name, plus PATH when none is set.
func Env(cfg v1.Config, o Overrides) []string {
	var out []string
	index := map[string]int{}
	for _, kv := range append(append([]string{}, cfg.Env...), o.Env...) {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			out[i] = kv
			continue
		}
		index[k] = len(out)
		out = append(out, kv)
	}
	if _, ok := index["PATH"]; !ok {
		out = append(out, DefaultPath)
	}
	return out
}

func lookupEnv(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v, true
		}
	}
	return "", false
}

// Cwd is the working directory, absolute ("/" by default).
func Cwd(cfg v1.Config, o Overrides) string {
	wd := cfg.WorkingDir
	if o.WorkingDir != "" {
		wd = o.WorkingDir
	}
	return path.Join("/", wd)
}

// StopSignal is the signal `stop` sends first: the image's StopSignal
// ("SIGQUIT", "QUIT" or "3"), SIGTERM by default.
func StopSignal(cfg v1.Config) (syscall.Signal, error) {
	s := strings.ToUpper(strings.TrimSpace(cfg.StopSignal))
	if s == "" {
		return syscall.SIGTERM, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("%w %q: number out of range 1-64", ErrBadSignal, cfg.StopSignal)
		}
		return syscall.Signal(n), nil
	}
	if !strings.HasPrefix(s, "SIG") {
		s = "SIG" + s
	}
	if sig := unix.SignalNum(s); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("%w %q: use a name like SIGTERM or a number", ErrBadSignal, cfg.StopSignal)
}

// Volumes lists the image's volume mount points, sorted.
func Volumes(cfg v1.Config) []string {
	out := make([]string, 0, len(cfg.Volumes))
	for v := range cfg.Volumes {
		out = append(out, path.Join("/", v))
	}
	sort.Strings(out)
	return out
}
