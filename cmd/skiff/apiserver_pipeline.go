//go:build !skiff_runc

package main

// The request pipeline of `skiff apiserver` (labs 10 and 11): the flags
// that choose the stages, and the loopback client the stages use to read
// the API they guard.
//
// RBAC and the admission plugins read Roles, bindings, namespaces,
// quotas ... from the API itself, as kube-apiserver's own stages do: a
// client-go client over HTTPS to 127.0.0.1, authenticated with a client
// certificate of the cluster CA for user system:apiserver in
// system:masters (so the loopback client is never refused or throttled).
// RBAC reads through informers started once the server listens; the
// default roles are created then too.

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
	"github.com/skiffrun/skiff/orchestrator/apiserver/admission"
	"github.com/skiffrun/skiff/orchestrator/apiserver/audit"
	"github.com/skiffrun/skiff/orchestrator/apiserver/authn"
	"github.com/skiffrun/skiff/orchestrator/apiserver/authz"
	"github.com/skiffrun/skiff/orchestrator/apiserver/ratelimit"
)

func init() { register(newSATokenCmd) }

// pipelineFlags are kube-apiserver's flags for the stages.
type pipelineFlags struct {
	clientCAFile      string
	tokenAuthFile     string
	anonymous         bool
	saSigningKeyFile  string
	saIssuer          string
	apiAudiences      []string
	authorizationMode string
	enablePlugins     []string
	disablePlugins    []string
	maxInFlight       int
	maxMutating       int
	perUserInFlight   int
	auditLogPath      string
	verbosity         int
}

func (p *pipelineFlags) addFlags(f *pflag.FlagSet) {
	f.StringVar(&p.clientCAFile, "client-ca-file", "", "CA bundle that signs client certificates (default <data-dir>/pki/ca.crt)")
	f.StringVar(&p.tokenAuthFile, "token-auth-file", "", `static bearer tokens, CSV lines: token,user,uid,"group1,group2"`)
	f.BoolVar(&p.anonymous, "anonymous-auth", false, "serve requests without credentials as system:anonymous (otherwise 401)")
	f.StringVar(&p.saSigningKeyFile, "service-account-signing-key-file", "", "EC key that signs service account tokens (default <data-dir>/pki/sa.key, created)")
	f.StringVar(&p.saIssuer, "service-account-issuer", authn.DefaultIssuer, "iss claim of service account tokens")
	f.StringSliceVar(&p.apiAudiences, "api-audiences", nil, "audiences service account tokens must carry (default the issuer)")
	f.StringVar(&p.authorizationMode, "authorization-mode", "RBAC", "RBAC, or AlwaysAllow to switch authorization off")
	f.StringSliceVar(&p.enablePlugins, "enable-admission-plugins", nil, "admission plugins to run besides the defaults (all: "+fmt.Sprint(admission.Order)+")")
	f.StringSliceVar(&p.disablePlugins, "disable-admission-plugins", nil, "admission plugins not to run")
	f.IntVar(&p.maxInFlight, "max-requests-inflight", 400, "read-only requests served at once (0: no limit); more wait briefly, then get 429")
	f.IntVar(&p.maxMutating, "max-mutating-requests-inflight", 200, "writes served at once (0: no limit); more wait briefly, then get 429")
	f.IntVar(&p.perUserInFlight, "max-requests-inflight-per-user", 0, "slots of each pool one user may hold (default a quarter of the pool)")
	f.StringVar(&p.auditLogPath, "audit-log-path", "", "write a JSON line per pipeline decision to this file")
	f.IntVar(&p.verbosity, "v", 0, "log level: 4 or more logs each stage's decision per request")
}

// run builds the stages into rc and runs the server.
func (p *pipelineFlags) run(ctx context.Context, opts *globalOptions, rc apiserver.RunConfig) error {
	closer, err := p.wire(ctx, opts, &rc)
	if err != nil {
		return err
	}
	defer closer.Close()
	return apiserver.Run(ctx, rc)
}

// wire fills rc.Server's stages and rc.Ready.
func (p *pipelineFlags) wire(ctx context.Context, opts *globalOptions, rc *apiserver.RunConfig) (io.Closer, error) {
	log := p.stageLog(opts)
	pki, err := apiserver.LoadOrCreatePKI(filepath.Join(rc.DataDir, "pki"), rc.Hosts)
	if err != nil {
		return nil, err
	}
	client, err := loopbackClient(pki, rc)
	if err != nil {
		return nil, err
	}
	f := informers.NewSharedInformerFactory(client, 10*time.Minute)
	rbac := p.authorizer(f, log)
	chain, err := p.authenticator(pki, rc.DataDir, f, log)
	if err != nil {
		return nil, err
	}
	rc.Server.Authenticator = chain
	if rbac != nil {
		rc.Server.Authorizer = rbac
		rc.Server.Authenticator = &authz.Impersonation{Authenticator: chain, Authorizer: rbac}
	}
	if err := p.admission(client, &rc.Server, log); err != nil {
		return nil, err
	}
	if rc.Server.RateLimiter, err = ratelimit.New(ratelimit.Config{MaxInFlight: unlimitedIfZero(p.maxInFlight),
		MaxMutatingInFlight: unlimitedIfZero(p.maxMutating), PerUser: p.perUserInFlight, Log: log}); err != nil {
		return nil, err
	}
	closer, err := p.audit(&rc.Server)
	if err != nil {
		return nil, err
	}
	prev := rc.Ready
	rc.Ready = func(addr string) {
		go func() {
			f.Start(ctx.Done())
			if rbac != nil {
				bootstrapRoles(ctx, client, log)
			}
		}()
		if prev != nil {
			prev(addr)
		}
	}
	return closer, nil
}

// unlimitedIfZero: as for kube-apiserver, 0 lifts the cap.
func unlimitedIfZero(n int) int {
	if n == 0 {
		return math.MaxInt32
	}
	return n
}

// stageLog is the logger of the stages: debug with --v >= 4 or --debug.
func (p *pipelineFlags) stageLog(opts *globalOptions) *slog.Logger {
	if p.verbosity >= 4 && !opts.debug {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return opts.log
}

func (p *pipelineFlags) authenticator(pki *apiserver.PKI, dataDir string, f informers.SharedInformerFactory, log *slog.Logger) (*authn.Chain, error) {
	roots, err := p.clientCAs(pki)
	if err != nil {
		return nil, err
	}
	chain := &authn.Chain{X509: &authn.X509{Roots: roots}, Anonymous: p.anonymous, Log: log}
	if p.tokenAuthFile != "" {
		tf, err := authn.LoadTokenFile(p.tokenAuthFile)
		if err != nil {
			return nil, fmt.Errorf("--token-auth-file: %w", err)
		}
		chain.Tokens = append(chain.Tokens, tf)
	}
	sa, err := p.serviceAccounts(dataDir)
	if err != nil {
		return nil, err
	}
	accounts := f.Core().V1().ServiceAccounts().Lister()
	sa.Lookup = func(ns, name string) (string, bool) {
		a, err := accounts.ServiceAccounts(ns).Get(name)
		if err != nil {
			return "", false
		}
		return string(a.UID), true
	}
	chain.Tokens = append(chain.Tokens, sa)
	return chain, nil
}

func (p *pipelineFlags) clientCAs(pki *apiserver.PKI) (*x509.CertPool, error) {
	if p.clientCAFile == "" {
		return pki.Pool(), nil
	}
	b, err := os.ReadFile(p.clientCAFile)
	if err != nil {
		return nil, fmt.Errorf("--client-ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("--client-ca-file %s: no PEM certificate in it", p.clientCAFile)
	}
	return pool, nil
}

func (p *pipelineFlags) serviceAccounts(dataDir string) (*authn.ServiceAccounts, error) {
	path := p.saSigningKeyFile
	if path == "" {
		path = filepath.Join(dataDir, "pki", "sa.key")
	}
	key, err := authn.LoadOrCreateSigningKey(path)
	if err != nil {
		return nil, err
	}
	return &authn.ServiceAccounts{Key: key, Issuer: p.saIssuer, Audiences: p.apiAudiences}, nil
}

// authorizer is RBAC over the factory's informers (started, and the
// default roles bootstrapped, once the server listens); nil with
// --authorization-mode AlwaysAllow.
func (p *pipelineFlags) authorizer(f informers.SharedInformerFactory, log *slog.Logger) *authz.RBAC {
	if p.authorizationMode == "AlwaysAllow" {
		return nil
	}
	r := f.Rbac().V1()
	inf := []interface{ HasSynced() bool }{r.Roles().Informer(), r.RoleBindings().Informer(),
		r.ClusterRoles().Informer(), r.ClusterRoleBindings().Informer()}
	return &authz.RBAC{Roles: r.Roles().Lister(), RoleBindings: r.RoleBindings().Lister(),
		ClusterRoles: r.ClusterRoles().Lister(), ClusterRoleBindings: r.ClusterRoleBindings().Lister(), Log: log,
		Synced: func() bool {
			for _, i := range inf {
				if !i.HasSynced() {
					return false
				}
			}
			return true
		}}
}

// bootstrapRoles retries until the default roles are stored: the server
// starts serving just after Ready.
func bootstrapRoles(ctx context.Context, client kubernetes.Interface, log *slog.Logger) {
	for ctx.Err() == nil {
		err := authz.Bootstrap(ctx, client)
		if err == nil {
			log.Info("default RBAC roles in place")
			return
		}
		log.Debug("bootstrap rbac roles", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (p *pipelineFlags) admission(client kubernetes.Interface, cfg *apiserver.Config, log *slog.Logger) error {
	if p.authorizationMode != "RBAC" && p.authorizationMode != "AlwaysAllow" {
		return fmt.Errorf("--authorization-mode %q: want RBAC or AlwaysAllow", p.authorizationMode)
	}
	names, err := admission.Enabled(p.enablePlugins, p.disablePlugins)
	if err != nil {
		return fmt.Errorf("--enable/--disable-admission-plugins: %w", err)
	}
	mut, val := admission.Chain(client, names, log)
	cfg.Mutating = append(cfg.Mutating, mut...)
	cfg.Validating = append(cfg.Validating, val...)
	return nil
}

func (p *pipelineFlags) audit(cfg *apiserver.Config) (io.Closer, error) {
	if p.auditLogPath == "" {
		return io.NopCloser(nil), nil
	}
	l, closer, err := audit.Open(p.auditLogPath)
	if err != nil {
		return nil, fmt.Errorf("--audit-log-path: %w", err)
	}
	audit.Wrap(cfg, l)
	return closer, nil
}

// loopbackClient reaches this server on 127.0.0.1 as system:apiserver in
// system:masters.
func loopbackClient(pki *apiserver.PKI, rc *apiserver.RunConfig) (kubernetes.Interface, error) {
	cert, key, err := pki.Issue(apiserver.ClientTemplate("system:apiserver", "system:masters"))
	if err != nil {
		return nil, err
	}
	host := rc.BindAddress
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	port := rc.SecurePort
	if port == 0 {
		port = 6443
	}
	cfg := &rest.Config{Host: "https://" + net.JoinHostPort(host, strconv.Itoa(port)), QPS: -1,
		UserAgent: "skiff-apiserver-loopback",
		TLSClientConfig: rest.TLSClientConfig{CAData: pki.CAPEM, CertData: cert, KeyData: key,
			ServerName: "localhost"}}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("loopback client: %w", err)
	}
	return c, nil
}

// newSATokenCmd is `skiff sa-token`: a service account token signed with
// the server's key, for components that run outside pods (skiff has no
// TokenRequest endpoint yet). The account must exist when the token is
// used, and the token dies with it.
func newSATokenCmd(opts *globalOptions) *cobra.Command {
	var p pipelineFlags
	var ns, uid string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "sa-token NAME",
		Short: "Print a service account token signed by the API server's key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(filepath.Join(opts.dataDir, "pki", "ca.crt")); errors.Is(err, os.ErrNotExist) && p.saSigningKeyFile == "" {
				return fmt.Errorf("read cluster pki: %w (has `skiff apiserver --data-dir %s` run?)", err, opts.dataDir)
			}
			sa, err := p.serviceAccounts(opts.dataDir)
			if err != nil {
				return err
			}
			tok, err := sa.Issue(ns, args[0], uid, nil, ttl)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ns, "namespace", "n", "default", "namespace of the service account")
	f.DurationVar(&ttl, "duration", time.Hour, "how long the token is valid")
	f.StringVar(&uid, "uid", "", "the account's metadata.uid: the token then dies if the account is made again")
	f.StringVar(&p.saSigningKeyFile, "service-account-signing-key-file", "", "signing key (default <data-dir>/pki/sa.key)")
	f.StringVar(&p.saIssuer, "service-account-issuer", authn.DefaultIssuer, "iss claim")
	return cmd
}
