package main

import "github.com/spf13/cobra"

// newRuncCmd builds the runc-compatible command tree: what containerd's
// shim, podman --runtime and the OCI validation suite call. It is reached as
// the executable "skiff-runc" (a link to skiff) or as `skiff runc ...`.
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
	f := cmd.PersistentFlags()
	f.BoolVar(&opts.systemd, "systemd-cgroup", false, "use systemd for cgroups (not supported: skiff writes cgroupfs directly)")
	f.String("criu", "criu", "accepted for runc compatibility; checkpoint/restore is not supported")
	f.String("rootless", "auto", "accepted for runc compatibility")
	cmd.AddCommand(ociCommands(opts)...)
	return cmd, opts
}
