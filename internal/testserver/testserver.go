// Package testserver starts a real Latchkey for tests: the same server
// package cmd/latchkey runs, on a real store (PostgreSQL or SQLite), over
// real HTTP at http://localhost:PORT (a secure context for WebAuthn).
package testserver

import (
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/server"
	"github.com/latchkey-id/latchkey/storage"
	"github.com/latchkey-id/latchkey/storage/postgres"
	"github.com/latchkey-id/latchkey/storage/sqlite"
)

// Backends are the stores every end-to-end test runs against.
var Backends = []string{"sqlite", "postgres"}

// Server is a running Latchkey.
type Server struct {
	*server.Server
	// URL is the issuer, http://localhost:PORT.
	URL   string
	Store storage.Store
	Clock *Clock
	HTTP  *httptest.Server
}

// Option changes how the server is built.
type Option func(*options)

type options struct {
	config []func(*server.Config)
	tracer pgx.QueryTracer
}

// WithConfig lets a test adjust the server configuration.
func WithConfig(f func(*server.Config)) Option {
	return func(o *options) { o.config = append(o.config, f) }
}

// WithPostgresTracer sees every statement the PostgreSQL store runs.
func WithPostgresTracer(t pgx.QueryTracer) Option {
	return func(o *options) { o.tracer = t }
}

// Start runs a Latchkey on the named backend until the test ends.
func Start(t testing.TB, backend string, opts ...Option) *Server {
	t.Helper()
	ctx := context.Background()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	clock := &Clock{}
	st := openStore(t, backend, storage.Options{Now: clock.Now}, o.tracer)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://localhost:" + portOf(ln)
	cfg := server.Config{
		Issuer:    issuer,
		MasterKey: secrets.Bytes(32),
		Store:     st,
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Now:       clock.Now,
	}
	for _, f := range o.config {
		f(&cfg)
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatalf("start latchkey: %v", err)
	}
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	return &Server{Server: srv, URL: issuer, Store: st, Clock: clock, HTTP: hs}
}

// OpenStore opens a fresh, migrated store of the named backend, closed when
// the test ends.
func OpenStore(t testing.TB, backend string, opts storage.Options) storage.Store {
	t.Helper()
	return openStore(t, backend, opts, nil)
}

func openStore(t testing.TB, backend string, opts storage.Options, tracer pgx.QueryTracer) storage.Store {
	t.Helper()
	ctx := context.Background()
	switch backend {
	case "postgres":
		url := testenv.PostgresDatabase(t)
		s, err := postgres.Open(ctx, postgres.Config{URL: url, Tracer: tracer}, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	case "sqlite":
		s, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "latchkey.db")}, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Fatalf("unknown backend %q", backend)
	return nil
}

func portOf(ln net.Listener) string {
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// Clock is the server's clock: real time plus an offset a test can
// advance, so expiry can be tested without waiting.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the current (possibly advanced) time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
