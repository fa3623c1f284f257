// Package ops is the operator's HTTP endpoint on http_listen: Prometheus
// metrics on /metrics, liveness on /healthz, readiness on /readyz, and
// the ops page at / (page.go), and whatever other handlers the process
// mounts (the events stream). It serves plain HTTP, for a loopback address or a scrape network.
package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"chapar/internal/metrics"
)

// Config configures the endpoint.
type Config struct {
	Metrics *metrics.Registry
	// Ready reports why the process cannot take work now (a lost
	// JetStream, a store not open), or nil; /readyz answers 503 with the
	// reason while it is not nil.
	Ready func(ctx context.Context) error
	// Admin reports whether a request carries an administrator's
	// credentials: the ops page at / is for them. Nil: nobody.
	Admin func(r *http.Request) bool
	// Handlers are mounted beside the built-in paths ("/events": SSE).
	Handlers map[string]http.Handler
	Log      *slog.Logger
}

// Server is the HTTP endpoint.
type Server struct {
	cfg  Config
	http *http.Server
}

// NewServer builds the endpoint; Serve starts it on a listener.
func NewServer(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /{$}", s.servePage)
	for path, h := range cfg.Handlers {
		mux.Handle(path, h)
	}
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
	}
	return s
}

// Serve answers on l until Close.
func (s *Server) Serve(l net.Listener) error {
	err := s.http.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the endpoint; streams in progress (SSE) end too.
func (s *Server) Close() error { return s.http.Close() }

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	// The text exposition format, version 0.0.4, is what every Prometheus
	// scrapes.
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if err := s.cfg.Metrics.WriteText(w); err != nil {
		s.cfg.Log.Debug("metrics: writing", "err", err)
	}
}

// healthz is liveness: the process answers HTTP, so it is not wedged.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// readyz is readiness: the process can take mail now.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %v\n", err)
			return
		}
	}
	fmt.Fprintln(w, "ready")
}
