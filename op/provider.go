package op

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/cors"
	zop "github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/latchkey-id/latchkey/keys"
	"github.com/latchkey-id/latchkey/storage"
)

// Default lifetimes.
const (
	DefaultCodeLifetime         = 60 * time.Second
	DefaultAuthRequestLifetime  = 30 * time.Minute
	DefaultAccessTokenLifetime  = time.Hour
	DefaultIDTokenLifetime      = time.Hour
	DefaultRefreshTokenLifetime = 30 * 24 * time.Hour
)

// Scopes Latchkey understands. Any other requested scope is dropped, never
// an error (DESIGN.md: apps ask for scopes such as "groups" freely).
var supportedScopes = []string{"openid", "profile", "email", "offline_access", "passkeys"}

// Sessions is what the OP needs of the login side to end a browser
// session at logout. login.Handler satisfies it.
type Sessions interface {
	CurrentSession(r *http.Request) (storage.Session, bool)
	EndSession(w http.ResponseWriter, r *http.Request) error
}

// Config configures the Provider.
type Config struct {
	// Issuer is the OP's absolute URL, byte for byte what tokens carry.
	Issuer string
	// CryptoKey encrypts codes and opaque access tokens; all replicas
	// must share it (derive it from the master key).
	CryptoKey [32]byte
	// LoginURL is where /authorize sends the browser; by default
	// Issuer + "/login?authRequestID=<id>".
	LoginURL func(authRequestID string) string
	// SignedOutURL is where a logout without a registered redirect ends;
	// by default Issuer + "/signed-out".
	SignedOutURL string
	// SignedOutPage renders the page a logout without a redirect ends on;
	// a plain one when nil.
	SignedOutPage http.Handler
	Sessions      Sessions
	// PromptCreate advertises prompt=create (self-service sign-up is open).
	PromptCreate bool
	Logger       *slog.Logger
	// Now decides lifetimes; time.Now when nil.
	Now func() time.Time

	CodeLifetime, AuthRequestLifetime                          time.Duration
	AccessTokenLifetime, IDTokenLifetime, RefreshTokenLifetime time.Duration
}

// Provider is the mounted OpenID Provider.
type Provider struct {
	cfg         Config
	storage     *Storage
	op          *zop.Provider
	cors        func(http.Handler) http.Handler
	backchannel *backchannel
}

// New builds the Provider over the store and keys.
func New(cfg Config, store storage.Store, km *keys.Manager) (*Provider, error) {
	issuer, err := url.Parse(cfg.Issuer)
	if err != nil || !issuer.IsAbs() || issuer.Host == "" || issuer.RawQuery != "" || issuer.Fragment != "" {
		return nil, fmt.Errorf("issuer %q must be an absolute URL without query or fragment", cfg.Issuer)
	}
	if strings.HasSuffix(cfg.Issuer, "/") {
		return nil, fmt.Errorf("issuer %q must not end with a slash", cfg.Issuer)
	}
	applyDefaults(&cfg)
	st := newStorage(cfg, store, km)
	opts := []zop.Option{
		// AES-256-GCM only: no fallback to the legacy AES-CFB tokens.
		zop.WithCrypto(zop.NewAES256GCMCrypto(cfg.CryptoKey, "latchkey-1")),
		zop.WithHttpInterceptors(withExchange),
		// zitadel's default CORS allows every origin with credentials on
		// every route; Latchkey adds its own, narrower one (see cors.go).
		zop.WithCORSOptions(&cors.Options{AllowOriginFunc: func(string) bool { return false }}),
	}
	if issuer.Scheme == "http" {
		// Development on http://localhost; the flag allows any host, so
		// serve warns about it.
		opts = append(opts, zop.WithAllowInsecure())
	}
	provider, err := zop.NewProvider(&zop.Config{
		CryptoKey:                cfg.CryptoKey,
		DefaultLogoutRedirectURI: cfg.SignedOutURL,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.English},
		SupportedScopes:          supportedScopes,
		SupportedClaims:          supportedClaims,
	}, st, zop.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("build OpenID provider: %w", err)
	}
	return &Provider{
		cfg:         cfg,
		storage:     st,
		op:          provider,
		cors:        newCORS(newOriginSet(store, 30*time.Second)).Handler,
		backchannel: newBackchannel(st),
	}, nil
}

func applyDefaults(cfg *Config) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.LoginURL == nil {
		base := cfg.Issuer + "/login?authRequestID="
		cfg.LoginURL = func(id string) string { return base + url.QueryEscape(id) }
	}
	if cfg.SignedOutURL == "" {
		cfg.SignedOutURL = cfg.Issuer + "/signed-out"
	}
	setDefault(&cfg.CodeLifetime, DefaultCodeLifetime)
	setDefault(&cfg.AuthRequestLifetime, DefaultAuthRequestLifetime)
	setDefault(&cfg.AccessTokenLifetime, DefaultAccessTokenLifetime)
	setDefault(&cfg.IDTokenLifetime, DefaultIDTokenLifetime)
	setDefault(&cfg.RefreshTokenLifetime, DefaultRefreshTokenLifetime)
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// Mount attaches the OP's endpoints to the router: discovery, /authorize
// and its callback, token, userinfo, keys, introspection, revocation,
// end_session and the library's /healthz and /ready.
//
// Latchkey serves discovery, the authorization endpoint and its callback,
// userinfo and end_session itself, and wraps zitadel's token, revocation
// and introspection endpoints; LIBRARIES.md §8 lists why.
func (p *Provider) Mount(r chi.Router) {
	// zitadel's helpers (the id_token_hint verifier, code creation) read
	// the issuer from the request context, which its own router sets.
	withIssuer := zop.NewIssuerInterceptor(p.op.IssuerFromRequest).HandlerFunc
	r.Handle("/.well-known/openid-configuration", p.cors(http.HandlerFunc(p.discovery)))
	r.Handle("/keys", p.cors(p.op))
	r.Handle("/authorize", withIssuer(p.authorize))
	r.Get(callbackPath, withIssuer(p.callback))
	r.Handle("/oauth/token", p.cors(p.clientEndpoint(true, p.op)))
	r.Handle("/revoke", p.cors(p.clientEndpoint(false, p.op)))
	r.Handle("/oauth/introspect", p.clientEndpoint(false, p.op))
	r.Handle("/userinfo", p.cors(http.HandlerFunc(p.userinfo)))
	r.Handle("/end_session", withIssuer(p.endSession))
	// Device authorization is not offered.
	r.Handle("/device_authorization", http.NotFoundHandler())
	r.Mount("/", p.op)
}

// Wait blocks until background work (back-channel logout deliveries) has
// ended; call it at shutdown.
func (p *Provider) Wait() { p.backchannel.wait() }

// CallbackURL is where the login side returns a finished (or failed)
// sign-in for an authorization request.
func (p *Provider) CallbackURL(authRequestID string) string {
	return p.cfg.Issuer + callbackPath + "?id=" + url.QueryEscape(authRequestID)
}

// Ready reports whether the provider can serve: the store answers and a
// signing key is loaded.
func (p *Provider) Ready(ctx context.Context) error {
	if err := p.storage.Health(ctx); err != nil {
		return err
	}
	_, err := p.storage.SigningKey(ctx)
	return err
}
