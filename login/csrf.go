package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// CSRF protection for requests that a browser session authenticates
// (DESIGN.md, "CSRF for session-authenticated JSON calls"): the page
// carries <meta name="csrf-token" content="…"> and its scripts send the
// value as X-CSRF-Token. Another site can make the browser send the
// session cookie, but can neither read our page nor set that header on a
// cross-site request without a CORS preflight we never grant.
//
// The token is an HMAC of the session id under the handler's secret: no
// state to keep, the same on every replica, different for every session,
// and dead with the session (a new sign-in makes a new session id).

// csrfHeader is the request header that carries the token.
const csrfHeader = "X-CSRF-Token"

var errCSRF = httpx.Forbidden("csrf",
	"This request is missing its security token. Reload the page and try again.")

// csrfToken is the token of one session.
func (h *Handler) csrfToken(s storage.Session) string {
	m := hmac.New(sha256.New, h.Secret)
	// Domain separation: these MACs are used for nothing else.
	m.Write([]byte("latchkey csrf v1\x00" + s.ID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports errCSRF unless the request's X-CSRF-Token is the
// session's token (compared in constant time).
func (h *Handler) checkCSRF(r *http.Request, s storage.Session) error {
	got := r.Header.Get(csrfHeader)
	if got == "" || !hmac.Equal([]byte(got), []byte(h.csrfToken(s))) {
		h.securityEvent(r, "csrf.refused", "user_id", s.UserID, "token_sent", got != "")
		return errCSRF
	}
	return nil
}
