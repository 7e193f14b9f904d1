package main

import (
	"github.com/spf13/cobra"

	"github.com/skiffrun/skiff/runtime/container"
)

func init() { register(newInitCmd) }

// newInitCmd is the container's init: the runtime re-executes skiff as
// "skiff init" inside the new namespaces. Not for users.
func newInitCmd(*globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:    "init [ID]",
		Hidden: true,
		// The id is only there to be seen in ps: "skiff init web".
		Args: cobra.MaximumNArgs(1),
		// No logger set-up: the init must start fast and speaks only over
		// its sync socket.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(*cobra.Command, []string) error {
			if err := container.Init(); err != nil {
				return exitError{1}
			}
			return nil
		},
	}
}
