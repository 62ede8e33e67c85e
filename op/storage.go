package op

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/latchkey-id/latchkey/keys"
	"github.com/latchkey-id/latchkey/storage"
)

// Storage adapts Latchkey's store to zitadel's op.Storage.
type Storage struct {
	store   storage.Store
	keys    *keys.Manager
	clients *clientCache
	cfg     Config
	logger  *slog.Logger
}

var (
	_ zop.Storage                        = (*Storage)(nil)
	_ zop.CanSetUserinfoFromRequest      = (*Storage)(nil)
	_ zop.CanTerminateSessionFromRequest = (*Storage)(nil)
)

func newStorage(cfg Config, store storage.Store, km *keys.Manager) *Storage {
	return &Storage{
		store:   store,
		keys:    km,
		clients: newClientCache(store, 5*time.Second),
		cfg:     cfg,
		logger:  cfg.Logger,
	}
}

func (s *Storage) now() time.Time { return s.cfg.Now().UTC() }

// Health reports whether the store answers (the library's /ready).
func (s *Storage) Health(ctx context.Context) error { return s.store.Ping(ctx) }

// GetKeyByIDAndClientID serves private_key_jwt and the JWT-bearer grant,
// which zitadel always enables. Latchkey registers no client keys, so
// every such assertion is refused.
func (s *Storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNoClientKeys
}

// ValidateJWTProfileScopes belongs to the JWT-bearer grant, refused above.
func (s *Storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNoClientKeys
}

// exchangeKey carries the HTTP request and response writer into the
// storage calls that need the browser (logout ends the browser session).
type exchangeKey struct{}

type exchange struct {
	w http.ResponseWriter
	r *http.Request
}

func withExchange(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, exchange{w, r})))
	})
}

func exchangeFrom(ctx context.Context) (exchange, bool) {
	e, ok := ctx.Value(exchangeKey{}).(exchange)
	return e, ok
}
