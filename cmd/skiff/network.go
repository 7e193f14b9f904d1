//go:build !skiff_runc

package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/skiffrun/skiff/netns/explain"
	"github.com/skiffrun/skiff/netns/network"
	"github.com/spf13/cobra"
)

func init() { register(newNetworkCmd) }

// newNetworkManager builds the network manager every command shares:
// state under <root>/net, user networks under <data-dir>/networks. With
// explainTo set (--explain), each change is printed as the ip/nft/sysctl
// command that does the same; with --debug it is logged.
func newNetworkManager(opts *globalOptions, explainTo *os.File) (*network.Manager, error) {
	cfg := network.Config{
		StateDir:  filepath.Join(opts.root, "net"),
		ConfigDir: filepath.Join(opts.dataDir, "networks"),
	}
	switch {
	case explainTo != nil:
		cfg.Explain = explain.Writer(explainTo)
	case opts.debug:
		cfg.Explain = explain.Log(opts.log)
	}
	return network.New(cfg)
}

func newNetworkCmd(opts *globalOptions) *cobra.Command {
	var explainFlag bool
	cmd := &cobra.Command{
		Use:   "network",
		Short: "Manage bridge networks (ls, inspect, create, rm, prune, attach, detach)",
		Long: `Containers join the built-in network "bridge" (bridge skiff0, 10.199.0.0/24)
unless run with --network host, none, container:NAME or the name of a network
made with "skiff network create". With --explain every change is printed as
the ip/nft/sysctl command that makes it by hand.`,
	}
	cmd.PersistentFlags().BoolVar(&explainFlag, "explain", false, "print each change as the equivalent ip/nft/sysctl command (stderr)")
	manager := func() (*network.Manager, error) {
		var to *os.File
		if explainFlag {
			to = os.Stderr
		}
		return newNetworkManager(opts, to)
	}
	cmd.AddCommand(newNetworkLsCmd(manager), newNetworkInspectCmd(manager), newNetworkCreateCmd(opts, manager),
		newNetworkRmCmd(opts, manager), newNetworkPruneCmd(opts, manager),
		newNetworkAttachCmd(opts, manager), newNetworkDetachCmd(opts, manager))
	return cmd
}

type managerFunc func() (*network.Manager, error)

func newNetworkLsCmd(manager managerFunc) *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List networks",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := manager()
			if err != nil {
				return err
			}
			all, err := m.List()
			if err != nil {
				return err
			}
			if quiet {
				for _, s := range all {
					fmt.Fprintln(cmd.OutOrStdout(), s.Name)
				}
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tBRIDGE\tSUBNET\tGATEWAY\tMTU\tCONTAINERS")
			for _, s := range all {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\n", s.Name, s.Bridge, s.Subnet, s.Gateway, s.MTU, len(s.Containers))
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print names only")
	return cmd
}

func newNetworkInspectCmd(manager managerFunc) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect NAME...",
		Short: "Show networks and their containers as JSON",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := manager()
			if err != nil {
				return err
			}
			var out []network.Status
			for _, name := range args {
				s, err := m.Inspect(name)
				if err != nil {
					return err
				}
				out = append(out, s)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	}
}

func newNetworkCreateCmd(opts *globalOptions, manager managerFunc) *cobra.Command {
	var subnet, gateway, bridgeName string
	var mtu int
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Define a bridge network (the bridge appears with its first container)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := network.Network{Name: args[0], Bridge: bridgeName, MTU: mtu}
			var err error
			if subnet != "" {
				if n.Subnet, err = netip.ParsePrefix(subnet); err != nil {
					return fmt.Errorf("--subnet %q: want a CIDR such as 10.199.7.0/24", subnet)
				}
			}
			if gateway != "" {
				if n.Gateway, err = netip.ParseAddr(gateway); err != nil {
					return fmt.Errorf("--gateway %q: want an IPv4 address inside --subnet", gateway)
				}
			}
			m, err := manager()
			if err != nil {
				return err
			}
			n, err = m.Create(cmd.Context(), opts.log, n)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", n.Name, n.Bridge, n.Subnet)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&subnet, "subnet", "", "IPv4 subnet (default: the first free 10.199.N.0/24)")
	f.StringVar(&gateway, "gateway", "", "the bridge's address (default: the subnet's first address)")
	f.StringVar(&bridgeName, "bridge", "", "bridge interface name (default: skiff-NAME)")
	f.IntVar(&mtu, "mtu", 0, "MTU of the bridge and veths (default 1500)")
	return cmd
}

func newNetworkRmCmd(opts *globalOptions, manager managerFunc) *cobra.Command {
	return &cobra.Command{
		Use:     "rm NAME...",
		Aliases: []string{"remove"},
		Short:   "Remove user-defined networks that have no containers",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := manager()
			if err != nil {
				return err
			}
			for _, name := range args {
				if err := m.Remove(cmd.Context(), opts.log, name); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), name)
			}
			return nil
		},
	}
}

func newNetworkPruneCmd(opts *globalOptions, manager managerFunc) *cobra.Command {
	return &cobra.Command{
		Use:   "prune",
		Short: "Clean up after crashed containers and remove unused networks",
		Long: `prune detaches containers whose network namespace is gone (a crash skipped
their cleanup), releases addresses leased to nobody, deletes bridges without
containers, resyncs skiff's nftables table, and removes user-defined networks
that have no containers (like docker network prune).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := manager()
			if err != nil {
				return err
			}
			rep, err := m.Prune(cmd.Context(), opts.log)
			out := cmd.OutOrStdout()
			for _, id := range rep.Containers {
				fmt.Fprintf(out, "detached stale container %s\n", id)
			}
			for _, ip := range rep.Leases {
				fmt.Fprintf(out, "released address %s\n", ip)
			}
			if len(rep.Networks) > 0 {
				fmt.Fprintf(out, "removed networks %s\n", strings.Join(rep.Networks, ", "))
			}
			return err
		},
	}
}

// newNetworkAttachCmd exposes what the runtime does for each container, so
// lab 06 can network any process: `unshare --net sleep 1000 &` then
// `skiff network attach demo --netns /proc/$!/ns/net -p 8080:80 --explain`.
func newNetworkAttachCmd(opts *globalOptions, manager managerFunc) *cobra.Command {
	var cfg network.AttachConfig
	var publish []string
	cmd := &cobra.Command{
		Use:   "attach ID --netns PATH",
		Short: "Give the process owning a network namespace a container network (what skiff run does)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.ContainerID = args[0]
			var err error
			if cfg.Ports, err = network.ParsePorts(publish); err != nil {
				return err
			}
			m, err := manager()
			if err != nil {
				return err
			}
			a, err := m.Attach(cmd.Context(), opts.log, cfg)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(a)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.NetnsPath, "netns", "", "the network namespace: /proc/PID/ns/net or a bind-mounted one")
	f.StringVar(&cfg.Network, "network", "bridge", "bridge, NAME, host, none or container:NAME")
	f.StringArrayVarP(&publish, "publish", "p", nil, "publish a port: [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]")
	f.StringVar(&cfg.Name, "name", "", "name peers resolve (written into their /etc/hosts)")
	f.StringVar(&cfg.Hostname, "hostname", "", "hostname (default: the first 12 characters of ID)")
	f.StringVar(&cfg.FilesDir, "files-dir", "", "write hosts, hostname and resolv.conf into this directory")
	return cmd
}

func newNetworkDetachCmd(opts *globalOptions, manager managerFunc) *cobra.Command {
	return &cobra.Command{
		Use:   "detach ID...",
		Short: "Undo attach: veth, address lease, published ports (idempotent)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := manager()
			if err != nil {
				return err
			}
			for _, id := range args {
				if err := m.Detach(cmd.Context(), opts.log, id); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
