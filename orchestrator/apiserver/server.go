package apiserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiffrun/skiff/orchestrator/store"
)

// Config assembles a server. Only Store is required.
type Config struct {
	Store *store.Store
	Log   *slog.Logger

	// Pipeline stages; nil means allow everything.
	Authenticator Authenticator
	Authorizer    Authorizer
	Mutating      []MutatingAdmission
	Validating    []ValidatingAdmission
	RateLimiter   RateLimiter // nil: no limit

	// ServiceCIDR is where ClusterIPs come from (default 10.96.0.0/12);
	// NodePorts come from NodePortMin..NodePortMax (default 30000-32767).
	ServiceCIDR              string
	NodePortMin, NodePortMax int

	// AdvertiseAddress and AdvertisePort are where pods reach this server:
	// the endpoints of the default/kubernetes service (none if empty).
	AdvertiseAddress string
	AdvertisePort    int

	// BookmarkInterval is how often watches that allow bookmarks get one
	// (default 1 minute).
	BookmarkInterval time.Duration

	// KubeletTransport reaches node agents for pods/log, exec, attach
	// and portforward; nil answers those with 503.
	KubeletTransport http.RoundTripper

	// OpenAPI serves /openapi/v2 and /openapi/v3 when set.
	OpenAPI http.Handler
	// Tables prints objects as metav1.Table; nil prints NAME and AGE.
	Tables TablePrinter
}

// TablePrinter turns an object or a list into a server-side table.
type TablePrinter interface {
	PrintTable(obj runtime.Object, opts metav1.TableOptions) (*metav1.Table, error)
}

// Server is the API server: an http.Handler over a store.
type Server struct {
	cfg     Config
	store   *store.Store
	log     *slog.Logger
	alloc   *allocator
	metrics *metrics
	handler http.Handler
	ns      nsCache

	bg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// New builds a server; Start must run before it serves.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("new api server: Store is nil")
	}
	fillDefaults(&cfg)
	if err := defaultExtensions(&cfg); err != nil {
		return nil, fmt.Errorf("new api server: %w", err)
	}
	alloc, err := newAllocator(cfg.ServiceCIDR, cfg.NodePortMin, cfg.NodePortMax)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Log, alloc: alloc, metrics: newMetrics(),
		ns: nsCache{phases: map[string]corev1.NamespacePhase{}}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.handler = s.routes()
	return s, nil
}

func fillDefaults(c *Config) {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Authenticator == nil {
		c.Authenticator = allowAll{}
	}
	if c.Authorizer == nil {
		c.Authorizer = allowAll{}
	}
	if c.ServiceCIDR == "" {
		c.ServiceCIDR = "10.96.0.0/12"
	}
	if c.NodePortMin == 0 {
		c.NodePortMin, c.NodePortMax = 30000, 32767
	}
	if c.BookmarkInterval == 0 {
		c.BookmarkInterval = time.Minute
	}
}

// Start creates the built-in namespaces and starts the background work
// (namespace termination, garbage collection, compaction). It returns once
// the server can serve.
func (s *Server) Start(ctx context.Context) error {
	if err := s.bootstrap(ctx); err != nil {
		return err
	}
	if err := s.reconcileKubernetesService(ctx); err != nil {
		s.log.Warn("reconcile default/kubernetes service", "err", err)
	}
	s.goBackground(s.compactLoop)
	s.goBackground(s.watchNamespaces)
	s.goBackground(s.resumeTermination)
	return nil
}

// Stop ends background work and waits for it.
func (s *Server) Stop() {
	s.cancel()
	s.bg.Wait()
}

func (s *Server) goBackground(f func(ctx context.Context)) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f(s.ctx)
	}()
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	nr := s.nonResource
	mux.Handle("/version", nr(http.HandlerFunc(s.serveVersion)))
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		mux.Handle(p, nr(http.HandlerFunc(s.serveHealth)))
		mux.Handle(p+"/", nr(http.HandlerFunc(s.serveHealth)))
	}
	mux.Handle("/metrics", nr(s.metrics.handler()))
	mux.Handle("/openapi/", nr(http.HandlerFunc(s.serveOpenAPI)))
	mux.Handle("/api", nr(http.HandlerFunc(s.serveDiscovery)))
	mux.HandleFunc("/api/", s.serveAPI)
	mux.Handle("/apis", nr(http.HandlerFunc(s.serveDiscovery)))
	mux.HandleFunc("/apis/", s.serveAPI)
	mux.Handle("/", nr(http.HandlerFunc(s.serveNotFound)))
	return s.recoverPanics(s.instrument(s.authenticate(s.limit(mux))))
}

// nonResource authorizes requests for paths that name no resource
// (/version, /healthz, discovery, /openapi) as Kubernetes does: verb get
// (or the method) on the path.
func (s *Server) nonResource(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		verb := strings.ToLower(r.Method)
		if r.Method == http.MethodHead {
			verb = "get"
		}
		if err := s.authorize(r, Attributes{Verb: verb, Path: r.URL.Path}); err != nil {
			writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limit applies the rate limiter, after authentication so that limits can
// be per user.
func (s *Server) limit(next http.Handler) http.Handler {
	if s.cfg.RateLimiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, retry, done := s.cfg.RateLimiter.Admit(r, UserFrom(r.Context()))
		if !ok {
			secs := int(retry.Seconds() + 0.999)
			w.Header().Set("Retry-After", fmt.Sprint(secs))
			writeError(w, r, apierrors.NewTooManyRequests("too many requests, please try again later", secs))
			return
		}
		if done != nil {
			defer done()
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler panic into a 500 Status (and a log line)
// instead of a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				writeError(w, r, apierrors.NewInternalError(fmt.Errorf("%v", v)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// authenticate is the first stage of the pipeline; a request nobody
// authenticates is refused with 401.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := s.cfg.Authenticator.Authenticate(r)
		var st apierrors.APIStatus
		if errors.As(err, &st) { // e.g. a refused impersonation: 403
			writeError(w, r, err)
			return
		}
		if err != nil || !ok {
			msg := "Unauthorized"
			if err != nil {
				msg = err.Error()
			}
			writeError(w, r, apierrors.NewUnauthorized(msg))
			return
		}
		next.ServeHTTP(w, r.WithContext(withUser(r.Context(), u)))
	})
}

// authorize is the second stage.
func (s *Server) authorize(r *http.Request, a Attributes) error {
	a.User = UserFrom(r.Context())
	ok, reason, err := s.cfg.Authorizer.Authorize(r.Context(), a)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if ok {
		return nil
	}
	who := "system:anonymous"
	if a.User != nil {
		who = a.User.Name
	}
	msg := forbiddenMessage(who, a)
	if reason != "" {
		msg += ": " + reason
	}
	if !a.ResourceRequest {
		st := apierrors.NewForbidden(schema.GroupResource{}, "", errors.New(msg))
		st.ErrStatus.Message = "forbidden: " + msg
		return st
	}
	return apierrors.NewForbidden(groupResource(a.APIGroup, a.Resource), a.Name, errors.New(msg))
}

// forbiddenMessage says who may not do what, in kube-apiserver's words.
func forbiddenMessage(who string, a Attributes) string {
	if !a.ResourceRequest {
		return fmt.Sprintf("User %q cannot %s path %q", who, a.Verb, a.Path)
	}
	res := a.Resource
	if a.Subresource != "" {
		res += "/" + a.Subresource
	}
	msg := fmt.Sprintf("User %q cannot %s resource %q in API group %q", who, a.Verb, res, a.APIGroup)
	if a.Namespace != "" {
		return msg + fmt.Sprintf(" in the namespace %q", a.Namespace)
	}
	return msg + " at the cluster scope"
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/readyz") {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := s.store.Revision(ctx); err != nil {
			http.Error(w, "[-]etcd failed: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, "ok")
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	if s.cfg.OpenAPI == nil {
		s.serveNotFound(w, r)
		return
	}
	s.cfg.OpenAPI.ServeHTTP(w, r)
}

func (s *Server) serveNotFound(w http.ResponseWriter, r *http.Request) {
	st := apierrors.NewNotFound(groupResource("", ""), "")
	st.ErrStatus.Message = "the server could not find the requested resource"
	st.ErrStatus.Details = nil
	writeError(w, r, st)
}
