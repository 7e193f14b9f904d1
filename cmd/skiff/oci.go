package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/skiffrun/skiff/runtime/container"
	"github.com/skiffrun/skiff/runtime/spec"
)

// The OCI lifecycle commands, shared by `skiff` and `skiff-runc`: the same
// syntax and output as runc's.

func (o *globalOptions) runtime() *container.Runtime {
	return &container.Runtime{Root: o.root, Log: o.log, CgroupParent: os.Getenv("SKIFF_CGROUP_PARENT")}
}

func newCreateCmd(opts *globalOptions) *cobra.Command {
	var co container.CreateOptions
	cmd := &cobra.Command{
		Use:   "create [flags] ID",
		Short: "Create a container from a bundle; its init waits for start",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			co.ID = args[0]
			_, err := opts.runtime().Create(cmd.Context(), co)
			return err
		},
	}
	addCreateFlags(cmd, &co)
	return cmd
}

func addCreateFlags(cmd *cobra.Command, co *container.CreateOptions) {
	f := cmd.Flags()
	f.StringVarP(&co.Bundle, "bundle", "b", ".", "path to the bundle directory (holding config.json)")
	f.StringVar(&co.PidFile, "pid-file", "", "write the init's pid to this file (no trailing newline)")
	f.StringVar(&co.ConsoleSocket, "console-socket", "", "unix socket that receives the pty master of a terminal container")
	f.BoolVar(&co.NoPivot, "no-pivot", false, "use MS_MOVE + chroot instead of pivot_root (for a rootfs on ramfs)")
	f.Bool("no-new-keyring", false, "accepted for runc compatibility (skiff does not create session keyrings)")
	f.Int("preserve-fds", 0, "accepted for runc compatibility; only 0 is supported")
}

func newStartCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "start ID",
		Short: "Start a created container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return opts.runtime().Start(cmd.Context(), args[0])
		},
	}
}

func newStateCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "state ID",
		Short: "Print a container's state as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := container.Load(opts.root, args[0])
			if err != nil {
				return err
			}
			return printJSON(cmd, st.OCI())
		},
	}
}

func printJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newKillCmd(opts *globalOptions) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "kill ID [SIGNAL]",
		Short: "Send a signal (default TERM) to a container's init",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "TERM"
			if len(args) == 2 {
				name = args[1]
			}
			sig, err := container.ParseSignal(name)
			if err != nil {
				return err
			}
			if all {
				return opts.runtime().KillAll(cmd.Context(), args[0], sig)
			}
			return opts.runtime().Kill(cmd.Context(), args[0], sig)
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "send the signal to every process of the container")
	return cmd
}

func newDeleteCmd(opts *globalOptions) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "delete [--force] ID",
		Short: "Remove a container (a running one only with --force)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return opts.runtime().Delete(cmd.Context(), args[0], force)
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "kill a running container and remove it")
	return cmd
}

func newOCIRunCmd(opts *globalOptions) *cobra.Command {
	var ro container.RunOptions
	cmd := &cobra.Command{
		Use:   "run [flags] ID",
		Short: "Create, start and wait for a container from a bundle, then delete it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ro.ID, ro.Remove = args[0], !ro.Detach
			code, err := opts.runtime().Run(cmd.Context(), ro)
			if err != nil {
				return err
			}
			return exitWith(code)
		},
	}
	addCreateFlags(cmd, &ro.CreateOptions)
	cmd.Flags().BoolVarP(&ro.Detach, "detach", "d", false, "return after start, leaving the container running")
	return cmd
}

// exitWith turns a container's exit status into the command's.
func exitWith(code int) error {
	if code == 0 {
		return nil
	}
	return exitError{code}
}

func newSpecCmd(opts *globalOptions) *cobra.Command {
	var bundle string
	cmd := &cobra.Command{
		Use:   "spec",
		Short: "Write a default config.json (like runc spec)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path := bundle + "/" + spec.ConfigName
			if _, err := os.Stat(path); err == nil {
				return fmt.Errorf("spec: %s already exists; remove it first", path)
			}
			data, err := json.MarshalIndent(spec.Default(), "", "\t")
			if err != nil {
				return err
			}
			return os.WriteFile(path, append(data, '\n'), 0o644)
		},
	}
	cmd.Flags().StringVarP(&bundle, "bundle", "b", ".", "directory to write config.json into")
	cmd.Flags().Bool("rootless", false, "accepted for runc compatibility; not supported")
	return cmd
}

func newListCmd(opts *globalOptions) *cobra.Command {
	var format string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List containers (table or -f json)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			states, err := container.List(opts.root)
			if err != nil {
				return err
			}
			return printList(cmd, states, format, quiet)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only ids")
	return cmd
}

func printList(cmd *cobra.Command, states []*container.State, format string, quiet bool) error {
	out := cmd.OutOrStdout()
	switch {
	case quiet:
		for _, s := range states {
			fmt.Fprintln(out, s.ID)
		}
		return nil
	case format == "json":
		docs := make([]container.OCIState, 0, len(states))
		for _, s := range states {
			docs = append(docs, s.OCI())
		}
		return json.NewEncoder(out).Encode(docs)
	case format != "table":
		return fmt.Errorf("--format %q: must be table or json", format)
	}
	w := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintln(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER")
	for _, s := range states {
		o := s.OCI()
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", o.ID, o.Pid, o.Status, o.Bundle, o.Created.Format(time.RFC3339Nano), "root")
	}
	return w.Flush()
}

// ociCommands are the runc-compatible lifecycle commands.
func ociCommands(opts *globalOptions) []*cobra.Command {
	return []*cobra.Command{
		newCreateCmd(opts), newStartCmd(opts), newStateCmd(opts), newKillCmd(opts),
		newDeleteCmd(opts), newOCIRunCmd(opts), newSpecCmd(opts), newListCmd(opts),
		newExecCmd(opts), newPauseCmd(opts), newResumeCmd(opts),
		newOCIPsCmd(opts), newEventsCmd(opts), newFeaturesCmd(opts), newUpdateCmd(opts),
	}
}

func newPauseCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "pause ID",
		Short: "Freeze every process of a container (cgroup freezer)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return opts.runtime().Pause(cmd.Context(), args[0])
		},
	}
}

func newResumeCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "resume ID",
		Short: "Thaw a paused container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return opts.runtime().Resume(cmd.Context(), args[0])
		},
	}
}
