//go:build !skiff_runc

package main

import (
	"github.com/spf13/cobra"

	"github.com/skiffrun/skiff/internal/doctor"
)

func init() { register(newDoctorCmd) }

func newDoctorCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check this host for what skiff and the labs need, with a fix for each problem",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			findings := doctor.Run(doctor.LocalHost(opts.dataDir))
			if failed := doctor.Print(cmd.OutOrStdout(), findings); failed > 0 {
				return exitError{1}
			}
			return nil
		},
	}
}
