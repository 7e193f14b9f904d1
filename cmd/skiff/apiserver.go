//go:build !skiff_runc

package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

func init() {
	register(newAPIServerCmd)
	register(newKubeconfigCmd)
}

// newAPIServerCmd is `skiff apiserver`: the Kubernetes API on etcd, with
// flags named after kube-apiserver's.
func newAPIServerCmd(opts *globalOptions) *cobra.Command {
	var rc apiserver.RunConfig
	var pipe pipelineFlags
	cmd := &cobra.Command{
		Use:   "apiserver",
		Short: "Run the Kubernetes-compatible API server (embedded etcd unless --etcd-servers)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rc.DataDir, rc.Log = opts.dataDir, opts.log
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return pipe.run(ctx, opts, rc)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&rc.EtcdServers, "etcd-servers", nil, "client URLs of an external etcd cluster (default: embedded etcd under <data-dir>/etcd)")
	f.StringVar(&rc.EtcdClientURL, "etcd-listen-client-url", "http://127.0.0.1:2379", "where embedded etcd serves clients")
	f.StringVar(&rc.EtcdPeerURL, "etcd-listen-peer-url", "http://127.0.0.1:2380", "where embedded etcd listens for peers")
	f.StringVar(&rc.BindAddress, "bind-address", "0.0.0.0", "address to serve HTTPS on")
	f.StringVar(&rc.Server.AdvertiseAddress, "advertise-address", "", "address pods reach the server at (default: --bind-address, or the first non-loopback IPv4)")
	f.IntVar(&rc.SecurePort, "secure-port", 6443, "port to serve HTTPS on")
	f.StringSliceVar(&rc.Hosts, "tls-san", nil, "extra names and addresses for the serving certificate")
	f.StringVar(&rc.Server.ServiceCIDR, "service-cluster-ip-range", "10.96.0.0/12", "CIDR ClusterIPs are allocated from")
	pipe.addFlags(f)
	return cmd
}

// newKubeconfigCmd is `skiff kubeconfig`: print the admin kubeconfig the
// API server wrote, or one for another user signed by the cluster CA.
func newKubeconfigCmd(opts *globalOptions) *cobra.Command {
	var user, server string
	var groups []string
	cmd := &cobra.Command{
		Use:   "kubeconfig",
		Short: "Print a kubeconfig for the API server (the admin's by default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if user == "admin" && server == "" {
				b, err := os.ReadFile(apiserver.AdminKubeconfigPath(opts.dataDir))
				if err != nil {
					return fmt.Errorf("read admin kubeconfig: %w (has `skiff apiserver --data-dir %s` run?)", err, opts.dataDir)
				}
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			// Only the admin is all-powerful by default; another user gets
			// the groups asked for and RBAC decides the rest.
			if user == "admin" && !cmd.Flags().Changed("group") {
				groups = []string{"system:masters"}
			}
			return printKubeconfig(cmd, opts.dataDir, server, user, groups)
		},
	}
	f := cmd.Flags()
	f.StringVar(&user, "user", "admin", "user name (certificate CN)")
	f.StringSliceVar(&groups, "group", nil, "groups (certificate O); the admin is in system:masters unless given")
	f.StringVar(&server, "server", "", "API server URL (default https://127.0.0.1:6443)")
	return cmd
}

func printKubeconfig(cmd *cobra.Command, dataDir, server, user string, groups []string) error {
	if server == "" {
		server = "https://127.0.0.1:6443"
	}
	dir := filepath.Join(dataDir, "pki")
	if _, err := os.Stat(filepath.Join(dir, "ca.crt")); err != nil {
		return fmt.Errorf("read cluster ca: %w (has `skiff apiserver --data-dir %s` run?)", err, dataDir)
	}
	pki, err := apiserver.LoadOrCreatePKI(dir, nil)
	if err != nil {
		return err
	}
	b, err := apiserver.Kubeconfig(pki, server, user, groups...)
	if err != nil {
		return err
	}
	_, err = cmd.OutOrStdout().Write(b)
	return err
}
