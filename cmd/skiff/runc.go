package main

import "github.com/spf13/cobra"

// newRuncCmd builds the runc-compatible command tree: what containerd's shim,
// podman --runtime and the OCI validation suite call.
func newRuncCmd(name string) *cobra.Command {
	opts := &globalOptions{}
	cmd := &cobra.Command{
		Use:           name,
		Short:         "skiff's runc-compatible OCI runtime",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return opts.setup()
		},
	}
	addGlobalFlags(cmd, opts)
	cmd.PersistentFlags().BoolVar(&opts.systemd, "systemd-cgroup", false, "use systemd for cgroups (not supported)")
	return cmd
}
