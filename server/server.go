package server

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/mail"
	"github.com/latchkey-id/latchkey/internal/metrics"
	"github.com/latchkey-id/latchkey/keys"
	"github.com/latchkey-id/latchkey/login"
	"github.com/latchkey-id/latchkey/op"
	"github.com/latchkey-id/latchkey/storage"
)

// SigningAlgorithms are the algorithms the server keeps keys for: RS256
// signs by default (OIDC Core §15.1); a client may choose ES256.
var SigningAlgorithms = []jose.SignatureAlgorithm{keys.RS256, keys.ES256}

// RetiredKeyPublication is how long a rotated-out key stays in the JWKS:
// far longer than any token it signed lives (ID tokens: an hour), so that
// an expired ID token still works as an id_token_hint at logout.
const RetiredKeyPublication = 7 * 24 * time.Hour

// DefaultKeyRotation is how often signing keys are replaced.
const DefaultKeyRotation = 90 * 24 * time.Hour

// Config is everything the server needs; cmd/latchkey fills it from flags.
type Config struct {
	// Issuer is the OP's public URL; its host is the WebAuthn RP ID.
	Issuer string
	// MasterKey (32 bytes) seals signing keys and derives the other
	// server secrets; every replica must share it.
	MasterKey []byte
	Store     storage.Store
	Logger    *slog.Logger
	// Now is the clock; time.Now when nil. Tests move it.
	Now func() time.Time
	// RPName is shown by authenticators when a passkey is created.
	RPName string
	// ExtraOrigins are further origins allowed to run WebAuthn ceremonies
	// (e.g. the same OP behind a second hostname).
	ExtraOrigins []string
	// SessionLifetime of browser sessions; login's default when zero.
	SessionLifetime time.Duration
	// Policy is the passkey policy of every ceremony.
	Policy login.Policy
	// Signup opens self-service sign-up by email code; closed by default.
	Signup login.SignupPolicy
	// Mailer sends sign-up mail; when nil, messages are written to the log.
	Mailer login.Mailer
	// RelatedOrigins are the operator's other origins where the same
	// passkeys work (WebAuthn related origins): served at
	// /.well-known/webauthn and allowed in ceremonies.
	RelatedOrigins []string
	// NoMetrics turns off /metrics (Prometheus), e.g. when the listener is
	// public and no proxy keeps it private.
	NoMetrics bool
	// KeyRotation is how old a signing key may get before the janitor
	// replaces it; DefaultKeyRotation when zero, never when negative.
	KeyRotation time.Duration
	// CodeLifetime, AccessTokenLifetime, RefreshTokenLifetime: op's
	// defaults when zero.
	CodeLifetime, AccessTokenLifetime, RefreshTokenLifetime time.Duration
}

// Server is an assembled Latchkey.
type Server struct {
	cfg      Config
	handler  http.Handler
	Keys     *keys.Manager
	Provider *op.Provider
	Admin    *admin.Service
}

// New builds the server: it makes sure signing keys exist (generating them
// on first start) and wires the OP and the login pages on one router.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RPName == "" {
		cfg.RPName = "Latchkey"
	}
	km, err := keys.New(cfg.Store, cfg.MasterKey, keys.Options{Now: cfg.Now, Algorithms: SigningAlgorithms})
	if err != nil {
		return nil, err
	}
	if err := km.Ensure(ctx); err != nil {
		return nil, err
	}
	cryptoKey, err := derive(cfg.MasterKey, "latchkey oidc token encryption")
	if err != nil {
		return nil, err
	}
	loginSecret, err := derive(cfg.MasterKey, "latchkey login hmac")
	if err != nil {
		return nil, err
	}

	if cfg.Mailer == nil {
		cfg.Mailer = &mail.Log{Logger: cfg.Logger}
	}
	lh := &login.Handler{
		Store:           cfg.Store,
		Issuer:          cfg.Issuer,
		Secret:          loginSecret[:],
		Logger:          cfg.Logger,
		Now:             cfg.Now,
		SessionLifetime: cfg.SessionLifetime,
		Policy:          cfg.Policy,
		Signup:          cfg.Signup,
		Mailer:          cfg.Mailer,
		RelatedOrigins:  cfg.RelatedOrigins,
	}
	provider, err := op.New(op.Config{
		Issuer:               cfg.Issuer,
		CryptoKey:            cryptoKey,
		Sessions:             lh,
		SignedOutPage:        http.HandlerFunc(lh.SignedOut),
		PromptCreate:         cfg.Signup.Open,
		Logger:               cfg.Logger,
		Now:                  cfg.Now,
		CodeLifetime:         cfg.CodeLifetime,
		AccessTokenLifetime:  cfg.AccessTokenLifetime,
		RefreshTokenLifetime: cfg.RefreshTokenLifetime,
	}, cfg.Store, km)
	if err != nil {
		return nil, err
	}
	lh.CallbackURL = provider.CallbackURL
	lh.AccessTokens = provider
	lh.SessionEnding = provider.SessionEnding
	if lh.WebAuthn, err = newWebAuthn(cfg); err != nil {
		return nil, err
	}
	if err := lh.Check(); err != nil {
		return nil, err
	}

	s := &Server{
		cfg:      cfg,
		Keys:     km,
		Provider: provider,
		Admin:    &admin.Service{Store: cfg.Store, Issuer: cfg.Issuer, Now: cfg.Now},
	}
	r := chi.NewRouter()
	reg := metrics.New()
	r.Use(httpx.RequestID, httpx.AccessLog(cfg.Logger), reg.Middleware, middleware.Recoverer)
	if !cfg.NoMetrics {
		r.Method(http.MethodGet, "/metrics", reg)
	}
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", s.ready)
	lh.Mount(r)
	provider.Mount(r)
	s.handler = r
	return s, nil
}

// ServeHTTP serves every endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// ready answers /readyz: 200 when the store answers and a key is loaded.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Provider.Ready(ctx); err != nil {
		httpx.Logger(r.Context(), s.cfg.Logger).Warn("not ready", slog.Any("error", err))
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// derive makes an independent 32-byte key for one purpose from the master
// key (HKDF-SHA256, RFC 5869), so no two uses share key material.
func derive(master []byte, purpose string) ([32]byte, error) {
	var out [32]byte
	if len(master) != keys.MasterKeySize {
		return out, errors.New("master key must be 32 bytes")
	}
	k, err := hkdf.Key(sha256.New, master, nil, purpose, 32)
	if err != nil {
		return out, err
	}
	copy(out[:], k)
	return out, nil
}

// issuerOrigin returns scheme://host[:port] of the issuer.
func issuerOrigin(issuer string) (origin, host string, err error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", "", fmt.Errorf("issuer %q is not an absolute http(s) URL", issuer)
	}
	return u.Scheme + "://" + u.Host, u.Hostname(), nil
}
