package login

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// DefaultSessionLifetime is how long a browser session lasts when
// Handler.SessionLifetime is zero.
const DefaultSessionLifetime = 12 * time.Hour

// ceremonyTTL is the life of one WebAuthn ceremony, begin to finish: the
// 5 minutes DESIGN.md sets, also sent to the browser as the timeout.
const ceremonyTTL = 5 * time.Minute

// Handler serves the sign-in and enrollment pages and their JSON endpoints.
// Its fields are its dependencies; cmd/latchkey fills them and calls Mount.
type Handler struct {
	Store    storage.Store
	WebAuthn *webauthn.WebAuthn
	// Issuer is the absolute URL of the OP. An https issuer makes every
	// cookie Secure with the "__Host-" prefix.
	Issuer string
	// CallbackURL is where a finished (or failed) sign-in returns to the OP.
	CallbackURL func(authRequestID string) string
	// Secret (at least 32 bytes) keys HMACs, such as the decoy credential
	// ids answered for unknown emails.
	Secret []byte
	Logger *slog.Logger
	// Now decides expiry; time.Now when nil.
	Now func() time.Time
	// SessionLifetime is the life of a browser session; DefaultSessionLifetime when zero.
	SessionLifetime time.Duration
	// AccessTokens resolves the bearer tokens apps send to /api/v1/me/…
	// (the OP: *op.Provider). When nil, every bearer token is refused.
	AccessTokens AccessTokenVerifier
	// Policy is the passkey policy of every ceremony (policy.go); the zero
	// value is DESIGN.md's default.
	Policy Policy
	// Signup opens sign-up by email code (signup.go); closed by default,
	// when only enrollment links create accounts.
	Signup SignupPolicy
	// Mailer sends sign-up mail; required when Signup.Open.
	Mailer Mailer
	// RelatedOrigins are served at /.well-known/webauthn (wellknown.go).
	RelatedOrigins []string
	// SessionEnding, when set, is called just before a browser session is
	// deleted — sign-out on the account page or logout through the OP — so
	// the OP can send back-channel logout to the apps it signed into.
	SessionEnding func(ctx context.Context, s storage.Session) error
	// limits throttle recovery and sign-up (ratelimit.go); Mount sets them.
	limits *rateLimits
}

// Check reports every missing or unusable dependency at once.
func (h *Handler) Check() error {
	var errs []error
	if h.Store == nil {
		errs = append(errs, errors.New("login: Store is nil"))
	}
	if h.WebAuthn == nil {
		errs = append(errs, errors.New("login: WebAuthn is nil"))
	}
	if h.CallbackURL == nil {
		errs = append(errs, errors.New("login: CallbackURL is nil"))
	}
	if len(h.Secret) < 32 {
		errs = append(errs, errors.New("login: Secret must be at least 32 bytes"))
	}
	if u, err := url.Parse(h.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, errors.New("login: Issuer must be an absolute http(s) URL"))
	}
	if h.SessionLifetime < 0 {
		errs = append(errs, errors.New("login: SessionLifetime is negative"))
	}
	errs = append(errs, h.Policy.check()...)
	errs = append(errs, h.checkSelfService()...)
	return errors.Join(errs...)
}

// Mount adds the pages (sign-in, consent, enrollment, signed out), their
// JSON endpoints and /static/* to r. It panics when Check fails: a wiring
// mistake must stop the server at start.
func (h *Handler) Mount(r chi.Router) {
	if err := h.Check(); err != nil {
		panic(err)
	}
	r.Get("/static/*", serveStatic)
	r.Get("/.well-known/webauthn", h.wellKnownWebAuthn)
	h.limits = newRateLimits()
	h.mountAccount(r) // account.go: /account and /api/v1/me/…

	r.Group(func(r chi.Router) {
		r.Use(httpx.SecurityHeaders, httpx.NoStore)

		r.Get("/login", h.page(rootTop, h.loginPage))
		r.Get("/enroll/{token}", h.page(rootNested, h.enrollPage))
		r.Get("/signed-out", h.page(rootTop, h.signedOutPage))
		r.Get("/consent", h.page(rootTop, h.consentPage))
		r.Get("/login/recovery", h.page(rootNested, h.recoveryPage))
		r.Get("/signup", h.page(rootTop, h.signupPage))

		r.Group(func(r chi.Router) {
			// The JSON endpoints already demand Content-Type:
			// application/json, which a cross-site form cannot send; this
			// also refuses any cross-origin browser POST (Sec-Fetch-Site,
			// Origin), as DESIGN.md asks of every state-changing request.
			r.Use(h.crossOriginProtection())
			r.Post("/login/passkey/begin", h.api(h.loginBegin))
			r.Post("/login/passkey/finish", h.api(h.loginFinish))
			r.Post("/login/cancel", h.api(h.cancel))
			r.Post("/consent/allow", h.api(h.consentAllow))
			r.Post("/consent/deny", h.api(h.consentDeny))
			r.Post("/enroll/{token}/begin", h.api(h.enrollBegin))
			r.Post("/enroll/{token}/finish", h.api(h.enrollFinish))
			r.Post("/login/recovery", h.api(h.recover))
			r.Post("/signup/start", h.api(h.signupStart))
			r.Post("/signup/verify", h.api(h.signupVerify))
		})
	})
}

func (h *Handler) api(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return httpx.JSON(h.logger(), fn)
}

// crossOriginProtection refuses cross-origin browser POSTs (net/http's
// CrossOriginProtection: Sec-Fetch-Site, else Origin against Host). The
// issuer's own origin is trusted explicitly, so that an old browser's
// Origin header still matches behind a proxy that rewrites Host.
func (h *Handler) crossOriginProtection() func(http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	if u, err := url.Parse(h.Issuer); err == nil {
		_ = p.AddTrustedOrigin(u.Scheme + "://" + u.Host) // Check vetted the URL; a refusal only drops the extra trust
	}
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, errCrossOrigin)
	}))
	return p.Handler
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func (h *Handler) sessionLifetime() time.Duration {
	if h.SessionLifetime > 0 {
		return h.SessionLifetime
	}
	return DefaultSessionLifetime
}

// secure reports whether the issuer is https, which makes every cookie
// Secure and "__Host-" prefixed.
func (h *Handler) secure() bool {
	return strings.HasPrefix(strings.ToLower(h.Issuer), "https://")
}

// securityEvent logs one line that an operator may want to alert on.
func (h *Handler) securityEvent(r *http.Request, event string, attrs ...any) {
	args := append([]any{slog.String("event", event), slog.String("client_ip", httpx.ClientIP(r))}, attrs...)
	httpx.Logger(r.Context(), h.logger()).Warn("security event", args...)
}
