package login

import (
	"net/http"
	"time"
)

// Cookie names. On an https issuer they carry the "__Host-" prefix, which
// makes the browser insist on Secure, Path=/ and no Domain, so that no
// sibling host can plant or overwrite them.
const (
	ceremonyCookie = "latchkey_ceremony"
	sessionCookie  = "latchkey_session"
	// consentCookie binds the request on the consent page to the session
	// that signed in for it (see consent.go).
	consentCookie = "latchkey_consent"
)

func (h *Handler) cookieName(base string) string {
	if h.secure() {
		return "__Host-" + base
	}
	return base
}

// setCookie writes an HttpOnly, SameSite=Lax, Path=/ cookie. Lax (not
// Strict) because the OP's redirect from the app to /login is a top-level
// cross-site navigation that must carry the session for single sign-on.
// The browser's clock decides the cookie's end, hence a duration rather
// than h.now(): the store's expiry is what really counts.
func (h *Handler) setCookie(w http.ResponseWriter, base, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name:     h.cookieName(base),
		Value:    value,
		Path:     "/",
		MaxAge:   max(1, int(ttl.Seconds())),
		Secure:   h.secure(),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

func (h *Handler) clearCookie(w http.ResponseWriter, base string) {
	http.SetCookie(w, &http.Cookie{
		Name:     h.cookieName(base),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		Secure:   h.secure(),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// cookieValue returns the value of our cookie, or "" when it is absent or
// implausibly long (ours are 43 characters).
func (h *Handler) cookieValue(r *http.Request, base string) string {
	c, err := r.Cookie(h.cookieName(base))
	if err != nil || len(c.Value) > maxIDLength {
		return ""
	}
	return c.Value
}
