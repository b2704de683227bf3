// Package web is Observer's HTTP server: server-rendered pages (templ) that work on a
// small phone without JavaScript, and the JSON API under /api/v1.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/storage"
)

// Config is what the server needs besides the store.
type Config struct {
	// BaseURL is how people reach the server (for links in invitations), e.g. https://observer.example.org.
	BaseURL string
	// SecureCookies sets the Secure flag on cookies (true in production; off only for
	// plain-HTTP tests and LAN set-ups).
	SecureCookies bool
	// TrustedProxies are CIDR ranges whose X-Forwarded-For is believed for the client IP.
	TrustedProxies []string
	// MaxFileBytes and MaxIncidentBytes limit evidence uploads.
	MaxFileBytes     int64
	MaxIncidentBytes int64
	// MaxUploaderBytes is what one account may upload in one election; default 2 GB.
	MaxUploaderBytes int64
	// MaxPackBytes limits an evidence pack uploaded to be checked (/verify); default 4 GB.
	MaxPackBytes int64
	// MaxVerifyBytes bounds what one pack check unpacks in all (a ZIP's entries can
	// inflate to far more than the upload); default twice MaxPackBytes.
	MaxVerifyBytes int64
	// SmallN is the statistics small-n threshold.
	SmallN int
	// StatsMaxAge is how far behind the acknowledged writes a dashboard may be
	// rather than wait for them (0: report.DefaultStatsMaxAge; negative: never
	// behind). A coordinator's own decisions are always shown at once.
	StatsMaxAge time.Duration
	// HeaderTimeout bounds how long a client may take to send its request headers
	// (slow-header attacks hold connections open); default 10 s.
	HeaderTimeout time.Duration
	// ReadTimeout bounds how long a client may take to send a whole request, body
	// included (slow-body attacks; photos over a weak link need minutes); default 5 min.
	ReadTimeout time.Duration
	// QuietUnknownSenders turns off the "this number is not registered" answer to
	// messages from unknown numbers (they are kept in the inbox all the same).
	QuietUnknownSenders bool
	// SilentAfter is how long a checked-in observer may be unheard before they are
	// listed as silent (default storage.DefaultSilence).
	SilentAfter time.Duration
	// Replication is the running replica (serve --replicate), or nil.
	Replication Replication
}

// Server holds the dependencies of every handler.
type Server struct {
	cfg      Config
	store    *storage.Store
	epoch    epochValue
	log      *slog.Logger
	e        *echo.Echo
	rules    map[string]rule
	throttle *throttle
	stats    *statsService    // the process's statistics cache (web/stats_service.go)
	results  *resultsHandlers // official results and their forensics (web/results.go)
}

// New builds the server and its routes.
func New(cfg Config, store *storage.Store, log *slog.Logger) (*Server, error) {
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = 50 << 20
	}
	if cfg.MaxIncidentBytes <= 0 {
		cfg.MaxIncidentBytes = 200 << 20
	}
	if cfg.MaxUploaderBytes <= 0 {
		cfg.MaxUploaderBytes = 2 << 30
	}
	if cfg.MaxPackBytes <= 0 {
		cfg.MaxPackBytes = 4 << 30
	}
	if cfg.MaxVerifyBytes <= 0 {
		cfg.MaxVerifyBytes = 2 * cfg.MaxPackBytes
	}
	if cfg.SmallN <= 0 {
		cfg.SmallN = 30
	}
	if cfg.HeaderTimeout <= 0 {
		cfg.HeaderTimeout = 10 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 5 * time.Minute
	}
	s := &Server{cfg: cfg, store: store, log: log, rules: map[string]rule{}, throttle: newThrottle()}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	ipx, err := ipExtractor(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	e.IPExtractor = ipx
	s.e = e
	s.stats = newStatsService(s)
	s.results = newResultsHandlers(s)
	s.routes()
	return s, nil
}

func ipExtractor(proxies []string) (echo.IPExtractor, error) {
	if len(proxies) == 0 {
		// Without a trusted proxy, headers are the client's to forge: use the socket address.
		return echo.ExtractIPDirect(), nil
	}
	var opts []echo.TrustOption
	for _, p := range proxies {
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not a CIDR range: %w", p, err)
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	opts = append(opts, echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	return echo.ExtractIPFromXFFHeader(opts...), nil
}

// Handler is the server's HTTP handler (for tests and for Run).
func (s *Server) Handler() http.Handler { return s.e }

// Run serves on addr until ctx ends, then finishes the requests in flight (up to 30 s).
func (s *Server) Run(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("unable to listen on %s: %w", addr, err)
	}
	s.preloadStats(ctx)
	srv := &http.Server{
		Handler: s.e,
		// Slow clients may not hold connections open: headers must arrive quickly; bodies
		// (photos over a weak link) get longer.
		ReadHeaderTimeout: s.cfg.HeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
