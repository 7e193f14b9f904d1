package apiserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/skiffrun/skiff/orchestrator/store"
)

// RunConfig is what `skiff apiserver` runs: where its state lives, which
// etcd to use and where to listen.
type RunConfig struct {
	// DataDir holds etcd/ (embedded etcd), pki/ (the cluster CA and
	// certificates) and admin.kubeconfig.
	DataDir string
	// EtcdServers selects an external etcd cluster; empty embeds etcd.
	EtcdServers []string
	// EtcdClientURL and EtcdPeerURL are embedded etcd's listen URLs.
	EtcdClientURL, EtcdPeerURL string
	BindAddress                string // default 0.0.0.0
	SecurePort                 int    // default 6443
	// Hosts are extra names or addresses for the serving certificate.
	Hosts []string
	Log   *slog.Logger
	// Server carries the pipeline stages and allocation ranges; its Store
	// is filled by Run.
	Server Config
	// Ready, if set, is called with the listening address once serving.
	Ready func(addr string)
}

// Run starts etcd (or connects to it), the API server and its HTTPS
// listener, and serves until ctx ends.
func Run(ctx context.Context, rc RunConfig) error {
	fillRunDefaults(&rc)
	pki, err := LoadOrCreatePKI(filepath.Join(rc.DataDir, "pki"), rc.Hosts)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Config{Servers: rc.EtcdServers, DataDir: filepath.Join(rc.DataDir, "etcd"),
		ClientURL: rc.EtcdClientURL, PeerURL: rc.EtcdPeerURL, Log: rc.Log})
	if err != nil {
		return err
	}
	defer st.Close()
	cfg := rc.Server
	cfg.Store, cfg.Log = st, rc.Log
	if cfg.AdvertiseAddress == "" {
		cfg.AdvertiseAddress = advertiseAddress(rc.BindAddress)
	}
	cfg.AdvertisePort = rc.SecurePort
	if cfg.KubeletTransport == nil {
		if cfg.KubeletTransport, err = kubeletTransport(pki); err != nil {
			return err
		}
	}
	srv, err := New(cfg)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer srv.Stop()
	debug.FreeOSMemory() // start-up garbage (OpenAPI generation) goes back to the OS
	addr := net.JoinHostPort(rc.BindAddress, strconv.Itoa(rc.SecurePort))
	if err := writeAdminKubeconfig(rc, pki); err != nil {
		return err
	}
	return serveTLS(ctx, rc, srv, pki, addr)
}

func fillRunDefaults(rc *RunConfig) {
	if rc.Log == nil {
		rc.Log = slog.New(slog.DiscardHandler)
	}
	if rc.BindAddress == "" {
		rc.BindAddress = "0.0.0.0"
	}
	if rc.SecurePort == 0 {
		rc.SecurePort = 6443
	}
}

// serveTLS serves HTTPS (HTTP/2 and HTTP/1.1, so upgrades keep working)
// and asks for client certificates signed by the cluster CA. Watches need
// long responses: there is no write timeout.
func serveTLS(ctx context.Context, rc RunConfig, srv *Server, pki *PKI, addr string) error {
	cert, err := tls.LoadX509KeyPair(filepath.Join(pki.Dir, "apiserver.crt"), filepath.Join(pki.Dir, "apiserver.key"))
	if err != nil {
		return fmt.Errorf("load serving certificate: %w", err)
	}
	clientAuth := tls.VerifyClientCertIfGiven
	if rc.Server.Authenticator != nil {
		clientAuth = tls.RequestClientCert // the authenticator verifies, and answers 401 with the reason
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: clientAuth,
			ClientCAs: pki.Pool(), MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}},
		ErrorLog: slog.NewLogLogger(rc.Log.Handler(), slog.LevelDebug),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	rc.Log.Info("api server listening", "addr", ln.Addr().String(), "data-dir", rc.DataDir)
	if rc.Ready != nil {
		rc.Ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.ServeTLS(ln, "", "") }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close() // open watches do not end by themselves
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shut down %s: %w", addr, err)
		}
	}
	return nil
}

// AdminKubeconfigPath is where Run writes the administrator's kubeconfig.
func AdminKubeconfigPath(dataDir string) string { return filepath.Join(dataDir, "admin.kubeconfig") }

func writeAdminKubeconfig(rc RunConfig, pki *PKI) error {
	host := rc.BindAddress
	if host == "0.0.0.0" || host == "::" || host == "" {
		host = "127.0.0.1"
	}
	server := "https://" + net.JoinHostPort(host, strconv.Itoa(rc.SecurePort))
	b, err := Kubeconfig(pki, server, "admin", "system:masters")
	if err != nil {
		return err
	}
	return os.WriteFile(AdminKubeconfigPath(rc.DataDir), b, 0o600)
}

// Kubeconfig builds a kubeconfig for user (in groups) with a fresh client
// certificate signed by the cluster CA.
func Kubeconfig(pki *PKI, server, user string, groups ...string) ([]byte, error) {
	cert, key, err := pki.Issue(ClientTemplate(user, groups...))
	if err != nil {
		return nil, err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["skiff"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: pki.CAPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	cfg.Contexts[user+"@skiff"] = &clientcmdapi.Context{Cluster: "skiff", AuthInfo: user, Namespace: "default"}
	cfg.CurrentContext = user + "@skiff"
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("encode kubeconfig: %w", err)
	}
	return b, nil
}

// advertiseAddress is the address pods should use: the bind address, or
// for a wildcard bind the host's first non-loopback IPv4 address.
func advertiseAddress(bind string) string {
	if ip := net.ParseIP(bind); ip != nil && !ip.IsUnspecified() {
		return bind
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	return "127.0.0.1"
}

// kubeletTransport is how the server reaches node agents: with a client
// certificate of the cluster CA (user kube-apiserver-kubelet-client, group
// system:masters). Like kube-apiserver without
// --kubelet-certificate-authority, it does not verify the kubelet's
// serving certificate, which is often self-signed.
func kubeletTransport(pki *PKI) (http.RoundTripper, error) {
	certPEM, keyPEM, err := pki.Issue(ClientTemplate("kube-apiserver-kubelet-client", "system:masters"))
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("kubelet client certificate: %w", err)
	}
	return &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert},
		InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, //nolint:gosec // see above
		IdleConnTimeout: 90 * time.Second}, nil
}
