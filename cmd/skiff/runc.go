package main

import "github.com/spf13/cobra"

// newRuncCmd builds the runc-compatible command tree: what containerd's
// shim, podman --runtime and the OCI validation suite call. It is reached as
// the runc-only build bin/skiff-runc, as skiff under a link named skiff-runc
// or runc, or as `skiff runc ...`. Like runc's, the tree holds the hidden
// init that create re-executes.
func newRuncCmd(name string) (*cobra.Command, *globalOptions) {
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
	setVersion(cmd)
	f := cmd.PersistentFlags()
	f.BoolVar(&opts.systemd, "systemd-cgroup", false, "use systemd for cgroups (not supported: skiff writes cgroupfs directly)")
	f.String("criu", "criu", "accepted for runc compatibility; checkpoint/restore is not supported")
	f.String("rootless", "auto", "accepted for runc compatibility")
	cmd.AddCommand(ociCommands(opts)...)
	cmd.AddCommand(newInitCmd(opts))
	return cmd, opts
}
