package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
)

// globalOptions are the flags every command shares. They are filled by cobra
// before a command's RunE runs; commands read them through the pointer they
// were built with.
type globalOptions struct {
	root      string // runtime state: one directory per container
	dataDir   string // images, snapshots, volumes, etcd
	logFile   string
	logFormat string
	debug     bool
	systemd   bool

	log *slog.Logger
}

// registry holds constructors for top-level skiff commands. Each command
// group lives in its own file and registers itself in init(), so features can
// be added without touching this file.
var registry []func(*globalOptions) *cobra.Command

func register(f func(*globalOptions) *cobra.Command) { registry = append(registry, f) }

// exitError carries an exit status that the command wants the process to
// end with (a container's exit code, runc's statuses) without printing.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func newSkiffCmd() (*cobra.Command, *globalOptions) {
	opts := &globalOptions{}
	cmd := &cobra.Command{
		Use:           "skiff",
		Short:         "A container runtime and a small Kubernetes, built to be read",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return opts.setup()
		},
	}
	addGlobalFlags(cmd, opts)
	setVersion(cmd)
	for _, f := range registry {
		cmd.AddCommand(f(opts))
	}
	// The OCI lifecycle at top level (skiff create/start/state/...), except
	// run and ps, which are the Docker-style commands; all of runc under
	// `skiff runc`.
	for _, c := range ociCommands(opts) {
		if c.Name() != "run" && c.Name() != "ps" {
			cmd.AddCommand(c)
		}
	}
	runc, _ := newRuncCmd("runc")
	runc.PersistentPreRunE = nil // the parent's flags and set-up apply
	runc.ResetFlags()
	runc.PersistentFlags().BoolVar(&opts.systemd, "systemd-cgroup", false, "use systemd for cgroups (not supported)")
	cmd.AddCommand(runc)
	return cmd, opts
}

func addGlobalFlags(cmd *cobra.Command, opts *globalOptions) {
	f := cmd.PersistentFlags()
	f.StringVar(&opts.root, "root", envOr("SKIFF_ROOT", "/run/skiff"), "directory for runtime state (env SKIFF_ROOT)")
	f.StringVar(&opts.dataDir, "data-dir", envOr("SKIFF_DATA", "/var/lib/skiff"), "directory for images, snapshots and volumes (env SKIFF_DATA)")
	f.StringVar(&opts.logFile, "log", "", "write logs to this file instead of stderr")
	f.StringVar(&opts.logFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&opts.debug, "debug", false, "log at debug level")
}

// setVersion adds --version, printed as runc prints it (tools such as
// podman info read the first line): the build's version or VCS revision,
// the runtime-spec version and the Go version.
func setVersion(cmd *cobra.Command) {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v = "git-" + s.Value[:12]
			}
		}
	}
	cmd.Version = v
	cmd.SetVersionTemplate(fmt.Sprintf("%s version %s\nspec: %s\ngo: %s\n", cmd.Name(), v, specs.Version, goruntime.Version()))
}

// setup validates the global flags and builds the logger.
func (o *globalOptions) setup() error {
	if o.systemd {
		return errors.New("--systemd-cgroup: not supported: skiff manages cgroupfs directly; drop the flag")
	}
	var w io.Writer = os.Stderr
	if o.logFile != "" {
		f, err := os.OpenFile(o.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("open log file: %w", err)
		}
		w = f
	}
	// Quiet by default, as runc is: warnings and errors; --debug shows
	// every step.
	level := slog.LevelWarn
	if o.debug {
		level = slog.LevelDebug
	}
	hopts := &slog.HandlerOptions{Level: level, ReplaceAttr: lowerLevel}
	switch o.logFormat {
	case "text":
		o.log = slog.New(slog.NewTextHandler(w, hopts))
	case "json":
		o.log = slog.New(slog.NewJSONHandler(w, hopts))
	default:
		return fmt.Errorf("--log-format %q: must be text or json", o.logFormat)
	}
	return nil
}

// lowerLevel writes levels as runc's logrus does, "error" rather than
// slog's "ERROR": containerd's shim reads the runtime's --log file for the
// last {"level":"error","msg":...} line and shows its msg as the failure.
func lowerLevel(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey {
		a.Value = slog.StringValue(strings.ToLower(a.Value.String()))
	}
	return a
}

// exitCode prints err (unless it only carries a status) and maps it to the
// process exit status. With --log, the error is also logged there, which is
// where containerd looks for a runtime's failure message.
func exitCode(cmd *cobra.Command, opts *globalOptions, err error) int {
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", cmd.CommandPath(), err)
	if opts.log != nil && opts.logFile != "" {
		opts.log.Error(err.Error())
	}
	return 1
}
