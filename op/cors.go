package op

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/rs/cors"

	"github.com/latchkey-id/latchkey/storage"
)

// newCORS allows browser apps (SPAs) to call the endpoints they need —
// discovery, JWKS, token, userinfo, revocation — from the origins of
// registered redirect URIs only, and without credentials: these endpoints
// take tokens and client credentials, never cookies. zitadel's default
// allows every origin with credentials on every route, the authorization
// callback included; Latchkey turns that off (see New) and wraps only the
// endpoints above with this.
func newCORS(origins *originSet) *cors.Cors {
	return cors.New(cors.Options{
		AllowOriginFunc:  origins.allowed,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Authorization", "Content-Type"},
		AllowCredentials: false,
		MaxAge:           600,
	})
}

// originSet is the set of origins of every client's redirect URIs, read
// from the store at most every ttl; an origin it does not know triggers an
// early reload (rate-limited), so a new client works at once.
type originSet struct {
	store storage.Store
	ttl   time.Duration

	mu       sync.Mutex
	origins  map[string]bool
	loadedAt time.Time
}

func newOriginSet(store storage.Store, ttl time.Duration) *originSet {
	return &originSet{store: store, ttl: ttl}
}

func (o *originSet) allowed(origin string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	age := time.Since(o.loadedAt)
	if o.origins == nil || age > o.ttl || (!o.origins[origin] && age > time.Second) {
		o.reload()
	}
	return o.origins[origin]
}

// reload runs with o.mu held. On a store failure it keeps the old set.
func (o *originSet) reload() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	clients, err := o.store.ListClients(ctx)
	o.loadedAt = time.Now()
	if err != nil {
		if o.origins == nil {
			o.origins = map[string]bool{}
		}
		return
	}
	set := map[string]bool{}
	for _, c := range clients {
		for _, raw := range c.RedirectURIs {
			if u, err := url.Parse(raw); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				set[u.Scheme+"://"+u.Host] = true
			}
		}
	}
	o.origins = set
}
