package op

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// client presents a registered app to zitadel.
type client struct {
	c   storage.Client
	cfg *Config
}

var _ zop.Client = (*client)(nil)

func (c *client) GetID() string                    { return c.c.ID }
func (c *client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.c.PostLogoutRedirectURIs }

// ApplicationType: a public client is native or a browser app; zitadel's
// "native" rules fit both (loopback redirects on any port per RFC 8252
// §7.3, private-use schemes, exact https). Confidential clients are web.
func (c *client) ApplicationType() zop.ApplicationType {
	if c.c.Public {
		return zop.ApplicationTypeNative
	}
	return zop.ApplicationTypeWeb
}

// AuthMethod: confidential clients send their secret by Basic or in the
// body (client_secret_basic, client_secret_post); public ones send none.
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}

func (c *client) LoginURL(authRequestID string) string { return c.cfg.LoginURL(authRequestID) }

// AccessTokenType: opaque (encrypted) tokens, so revocation takes effect
// at once at userinfo and introspection.
func (c *client) AccessTokenType() zop.AccessTokenType { return zop.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return c.cfg.IDTokenLifetime }
func (c *client) DevMode() bool                        { return false }

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed admits scopes beyond the standard ones zitadel keeps;
// none yet.
func (c *client) IsScopeAllowed(string) bool { return false }

// IDTokenUserinfoClaimsAssertion: profile and email claims go to userinfo
// when an access token is issued (OIDC Core §5.4), unless the client was
// registered to get them in the ID token too (many apps read only it).
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return c.c.IDTokenUserinfoClaims }
func (c *client) ClockSkew() time.Duration             { return 0 }

// GetClientByClientID returns a registered client. The error text reaches
// the person's browser, so it says nothing more than "unknown".
func (s *Storage) GetClientByClientID(ctx context.Context, id string) (zop.Client, error) {
	c, err := s.clients.get(ctx, id)
	if err != nil {
		return nil, s.notFoundOr(ctx, "get client", err, oidc.ErrInvalidClient().WithDescription("Unknown client."))
	}
	return &client{c: c, cfg: &s.cfg}, nil
}

// AuthorizeClientIDSecret checks a confidential client's secret against
// its stored SHA-256, in constant time (RFC 6749 §2.3.1).
func (s *Storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	bad := oidc.ErrInvalidClient().WithDescription("Client authentication failed.")
	c, err := s.clients.get(ctx, id)
	if err != nil {
		// Spend the same hash as a known client would, so timing does not
		// tell which client ids exist.
		secrets.Equal(secret, make([]byte, 32))
		return s.notFoundOr(ctx, "get client", err, bad)
	}
	if c.Public || !secrets.Equal(secret, c.SecretHash) {
		return bad
	}
	return nil
}

// clientCache keeps clients for a few seconds: zitadel looks a client up
// several times per sign-in. A deletion on another replica is seen within
// ttl; unknown ids are not cached, so a new client works at once.
type clientCache struct {
	store storage.Store
	now   func() time.Time
	ttl   time.Duration

	mu      sync.Mutex
	entries map[string]cachedClient
}

type cachedClient struct {
	c  storage.Client
	at time.Time
}

func newClientCache(store storage.Store, ttl time.Duration) *clientCache {
	return &clientCache{store: store, now: time.Now, ttl: ttl, entries: map[string]cachedClient{}}
}

func (cc *clientCache) get(ctx context.Context, id string) (storage.Client, error) {
	now := cc.now()
	cc.mu.Lock()
	e, ok := cc.entries[id]
	cc.mu.Unlock()
	if ok && now.Sub(e.at) < cc.ttl {
		return e.c, nil
	}
	c, err := cc.store.Client(ctx, id)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if err != nil {
		delete(cc.entries, id)
		return storage.Client{}, err
	}
	if len(cc.entries) > 10000 {
		clear(cc.entries) // a crude bound; real deployments have few clients
	}
	cc.entries[id] = cachedClient{c: c, at: now}
	return c, nil
}

func hasScope(scopes []string, s string) bool { return slices.Contains(scopes, s) }
