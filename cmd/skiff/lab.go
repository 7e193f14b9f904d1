//go:build !skiff_runc

package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/skiffrun/skiff/labs"
	"github.com/spf13/cobra"
)

func init() { register(newLabCmd) }

func newLabCmd(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "The numbered labs: list, show, check and reset them",
		Long: "Each lab is a chapter of the course: read it with \"skiff lab show N\", type its\n" +
			"steps, verify your machine with \"skiff lab check N\" and remove everything it\n" +
			"made with \"skiff lab reset N\". Steps work in /tmp/skiff-labs/NN.",
	}
	cmd.AddCommand(newLabListCmd(opts), newLabShowCmd(), newLabCheckCmd(opts), newLabResetCmd(opts))
	return cmd
}

// labEnv is where the labs' state lives: this binary, --root, --data-dir.
func labEnv(opts *globalOptions) (labs.Env, error) {
	self, err := os.Executable()
	if err != nil {
		return labs.Env{}, fmt.Errorf("find the skiff binary: %w", err)
	}
	return labs.Env{Skiff: self, Root: opts.root, Data: opts.dataDir, Dir: labs.DefaultDir}, nil
}

func newLabListCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the labs with their status (runs each lab's checks)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := labEnv(opts)
			if err != nil {
				return err
			}
			all, err := labs.All()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 3, ' ', 0)
			fmt.Fprintln(tw, "LAB\tTITLE\tSTATUS")
			for _, l := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Name(), l.Title, labs.Status(cmd.Context(), env, l))
			}
			return tw.Flush()
		},
	}
}

func newLabShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show N",
		Short: "Print a lab's README: the idea, what to read, the steps, experiments",
		Args:  labArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := labs.Find(args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), l.README)
			return err
		},
	}
}

func newLabCheckCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "check N",
		Short: "Verify your machine after a lab's steps: pass/fail with a hint per check",
		Args:  labArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, env, err := findLab(opts, args[0])
			if err != nil {
				return err
			}
			if os.Geteuid() != 0 {
				return fmt.Errorf("lab check %s: needs root, as the lab's steps do (the checks read containers' /proc files)", l.Name())
			}
			err = labs.RunChecks(cmd.Context(), env, l, cmd.OutOrStdout())
			if labs.IsChecksFailed(err) {
				return exitError{1}
			}
			return err
		},
	}
}

func newLabResetCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "reset N",
		Short: "Remove everything a lab's steps made (idempotent)",
		Args:  labArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, env, err := findLab(opts, args[0])
			if err != nil {
				return err
			}
			if os.Geteuid() != 0 {
				return fmt.Errorf("lab reset %s: needs root, as the lab's steps do", l.Name())
			}
			return labs.Reset(cmd.Context(), env, l, cmd.OutOrStdout())
		},
	}
}

func findLab(opts *globalOptions, arg string) (labs.Lab, labs.Env, error) {
	l, err := labs.Find(arg)
	if err != nil {
		return labs.Lab{}, labs.Env{}, err
	}
	env, err := labEnv(opts)
	return l, env, err
}

// labArg wants exactly one lab number.
func labArg(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want one lab number (e.g. 01), got %d arguments; see skiff lab list", len(args))
	}
	return nil
}
