//go:build !skiff_runc

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/skiffrun/skiff/runtime/engine"
)

func init() { register(newRunCmd) }

func newRunCmd(opts *globalOptions) *cobra.Command {
	var rc engine.RunConfig
	var entrypoint string
	cmd := &cobra.Command{
		Use:   "run [flags] IMAGE [COMMAND [ARG...]]",
		Short: "Run a command in a new container (Docker-style)",
		Long: `Run a command in a new container, from an image or a root filesystem.

  skiff run --rm busybox echo hello
  skiff run -it --rm busybox sh
  skiff run -d --name web -p 8080:80 busybox httpd -f -p 80
  skiff run --rm --memory 64m --pids-limit 20 busybox sh -c 'echo limited'
  skiff run --rootfs ./rootfs --rm -- sh -c 'echo $$; hostname'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := rc.Fill(args, cmd.Flags().Changed("entrypoint"), entrypoint); err != nil {
				return err
			}
			e, err := opts.engine()
			if err != nil {
				return err
			}
			id, code, err := e.Run(cmd.Context(), rc)
			if err != nil {
				return err
			}
			if rc.Detach {
				fmt.Fprintln(cmd.OutOrStdout(), id)
			}
			return exitWith(code)
		},
	}
	fl := cmd.Flags()
	fl.SetInterspersed(false) // flags after IMAGE belong to the command
	fl.StringVar(&rc.Name, "name", "", "container name (default: a random id)")
	fl.StringVar(&rc.Rootfs, "rootfs", "", "run on this root filesystem directory instead of an image")
	fl.StringVar(&rc.Hostname, "hostname", "", "container hostname (default: the first 12 characters of the id)")
	fl.StringVarP(&rc.Workdir, "workdir", "w", "", "working directory inside the container")
	fl.StringVarP(&rc.User, "user", "u", "", "user[:group], names or numbers")
	fl.StringVar(&entrypoint, "entrypoint", "", "override the image's entrypoint (\"\" clears it)")
	fl.StringArrayVarP(&rc.Env, "env", "e", nil, "set an environment variable (KEY=VALUE)")
	fl.StringArrayVarP(&rc.Volumes, "volume", "v", nil, "bind mount HOST:CONTAINER[:ro] (a HOST without '/' is a named volume)")
	fl.StringArrayVarP(&rc.Ports, "publish", "p", nil, "publish [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]")
	fl.StringVar(&rc.Network, "network", "bridge", "bridge, host, none, container:NAME or a network's name")
	fl.StringVar(&rc.Network, "net", "bridge", "alias of --network")
	fl.BoolVar(&rc.Remove, "rm", false, "remove the container when it exits")
	fl.BoolVarP(&rc.TTY, "tty", "t", false, "allocate a terminal")
	fl.BoolP("interactive", "i", false, "keep stdin open (always; for Docker habits)")
	fl.BoolVarP(&rc.Detach, "detach", "d", false, "run in the background and print the id")
	fl.BoolVar(&rc.ReadOnly, "read-only", false, "mount the root filesystem read-only")
	fl.StringArrayVar(&rc.Insecure, "insecure-registry", nil, "registry spoken to over plain HTTP")
	fl.StringVarP(&rc.Resources.Memory, "memory", "m", "", "memory limit (e.g. 64m, 1g)")
	fl.StringVar(&rc.Resources.MemorySwap, "memory-swap", "", "memory plus swap limit, or -1 for unlimited swap")
	fl.StringVar(&rc.Resources.CPUs, "cpus", "", "number of CPUs (e.g. 0.5)")
	fl.Int64Var(&rc.Resources.CPUShares, "cpu-shares", 0, "relative CPU weight (2-262144, default 1024)")
	fl.StringVar(&rc.Resources.CpusetCPUs, "cpuset-cpus", "", "CPUs the container may use (e.g. 0-1)")
	fl.Int64Var(&rc.Resources.PidsLimit, "pids-limit", 0, "maximum number of processes")
	fl.Uint16Var(&rc.Resources.BlkioWeight, "blkio-weight", 0, "relative block I/O weight (10-1000)")
	fl.StringVar(&rc.CgroupParent, "cgroup-parent", "", "parent cgroup (absolute: below the hierarchy root; relative: below skiff's own cgroup)")
	return cmd
}
