//go:build !skiff_runc

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/skiffrun/skiff/runtime/container"
	"github.com/skiffrun/skiff/runtime/engine"
)

// Docker-style container commands: ps, stop, rm, logs, inspect, and the
// hidden monitor of detached containers.

func init() {
	register(newPsCmd)
	register(newStopCmd)
	register(newRmCmd)
	register(newLogsCmd)
	register(newInspectCmd)
	register(newMonitorCmd)
}

func (o *globalOptions) engine() (*engine.Engine, error) {
	net, err := newNetworkManager(o, nil)
	if err != nil {
		return nil, err
	}
	rt := o.runtime()
	return engine.New(engine.Config{Runtime: rt, DataDir: o.dataDir, Network: net, Log: o.log}), nil
}

func newPsCmd(opts *globalOptions) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "ps [-a]",
		Short: "List containers (running ones unless -a)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := opts.engine()
			if err != nil {
				return err
			}
			infos, err := e.List(all)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 3, ' ', 0)
			fmt.Fprintln(w, "CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS")
			for _, i := range infos {
				fmt.Fprintf(w, "%s\t%s\t%q\t%s ago\t%s\t%s\n", i.ID, i.Image, clip(i.Command, 30), time.Since(i.Created).Round(time.Second), i.Status, i.Ports)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "show stopped containers too")
	return cmd
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func newStopCmd(opts *globalOptions) *cobra.Command {
	var seconds int
	cmd := &cobra.Command{
		Use:   "stop [-t SECONDS] NAME...",
		Short: "Stop containers: SIGTERM, then SIGKILL after the timeout",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachContainer(cmd, opts, args, func(e *engine.Engine, id string) error {
				return e.Stop(cmd.Context(), id, time.Duration(seconds)*time.Second)
			})
		},
	}
	cmd.Flags().IntVarP(&seconds, "time", "t", 10, "seconds to wait before SIGKILL")
	return cmd
}

// eachContainer applies do to each named container in turn, printing each
// name once done, as docker stop/rm do; it stops at the first error.
func eachContainer(cmd *cobra.Command, opts *globalOptions, ids []string, do func(*engine.Engine, string) error) error {
	e, err := opts.engine()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := do(e, id); err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), id)
	}
	return nil
}

func newRmCmd(opts *globalOptions) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rm [-f] NAME...",
		Short: "Remove containers with their network, rootfs and logs",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachContainer(cmd, opts, args, func(e *engine.Engine, id string) error {
				return e.Remove(cmd.Context(), id, force)
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "kill a running container first")
	return cmd
}

func newLogsCmd(opts *globalOptions) *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs [-f] NAME",
		Short: "Print a detached container's output",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := opts.engine()
			if err != nil {
				return err
			}
			return e.Logs(cmd.Context(), args[0], follow, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing until the container stops")
	return cmd
}

func newInspectCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect NAME",
		Short: "Print a container's state, config and network as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := container.Load(opts.root, args[0])
			if err != nil {
				return err
			}
			net, _ := os.ReadFile(filepath.Join(opts.root, "net", "containers", args[0]+".json"))
			return printJSON(cmd, map[string]any{"state": st.OCI(), "exitCode": st.ExitCode, "config": st.Spec, "network": rawJSON(net)})
		},
	}
}

// rawJSON embeds a JSON document as it is (null when empty).
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

func newMonitorCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:    "monitor",
		Hidden: true,
		Short:  "Watch a detached container (started by skiff run -d)",
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := opts.engine()
			if err != nil {
				return err
			}
			return e.Monitor(cmd.Context())
		},
	}
}
