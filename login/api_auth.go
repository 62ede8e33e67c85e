package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// AccessTokenVerifier resolves a bearer access token presented to the
// passkey management API into its record; any error means the token is not
// valid (expired, revoked, not ours). (*op.Provider).VerifyAccessToken
// satisfies it.
type AccessTokenVerifier interface {
	VerifyAccessToken(ctx context.Context, token string) (storage.AccessToken, error)
}

// passkeysScope is the scope an access token needs for /api/v1/me/….
const passkeysScope = "passkeys"

// maxBearerLength bounds a presented token before it is decrypted; ours are
// a few hundred characters.
const maxBearerLength = 4096

// caller is who makes an account request, and how: with a browser session
// (and its CSRF token), or with a bearer access token.
type caller struct {
	user storage.User
	// session is the browser session; the zero Session for a bearer request.
	session storage.Session
	// token is the access token of a bearer request, else nil.
	token *storage.AccessToken
}

func (c caller) bearer() bool { return c.token != nil }

// authTime is the time of the caller's last passkey ceremony: the
// session's, or the token's grant's.
func (c caller) authTime() time.Time {
	if c.bearer() {
		return c.token.AuthTime
	}
	return c.session.AuthTime
}

var (
	errUnauthorized = httpx.NewError(http.StatusUnauthorized, "unauthorized",
		"Sign in, or send an access token with the passkeys scope.")
	errInvalidToken = httpx.NewError(http.StatusUnauthorized, "invalid_token",
		"The access token is invalid, expired or revoked.")
	errInsufficientScope = httpx.Forbidden("insufficient_scope",
		"The access token lacks the passkeys scope.")
)

// authenticate finds the caller of an account API request. A request with
// an Authorization header is a bearer request (RFC 6750 §2.1), whatever
// cookies it has; otherwise the browser session counts, and only with the
// page's CSRF token. Refusals carry the WWW-Authenticate challenge of
// RFC 6750 §3.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (caller, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		return h.bearerCaller(w, r, auth)
	}
	sess, err := h.session(r)
	if err != nil {
		return caller{}, httpx.Internal(err)
	}
	if sess.ID == "" {
		// §3.1: a request with no authentication gets no error code.
		w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey"`)
		return caller{}, errUnauthorized
	}
	if err := h.checkCSRF(r, sess); err != nil {
		return caller{}, err
	}
	user, err := h.Store.User(r.Context(), sess.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey"`)
		return caller{}, errUnauthorized.WithCause(err)
	}
	if err != nil {
		return caller{}, httpx.Internal(fmt.Errorf("user: %w", err))
	}
	return caller{user: user, session: sess}, nil
}

// bearerCaller resolves an Authorization header.
func (h *Handler) bearerCaller(w http.ResponseWriter, r *http.Request, auth string) (caller, error) {
	invalid := func(cause error) (caller, error) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey", error="invalid_token", error_description="The access token is invalid, expired or revoked."`)
		return caller{}, errInvalidToken.WithCause(cause)
	}
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		// Another scheme (Basic, say): answered like no authentication.
		w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey"`)
		return caller{}, errUnauthorized.WithCause(errors.New("authorization scheme is not Bearer"))
	}
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxBearerLength {
		return invalid(errors.New("empty or oversized bearer token"))
	}
	if h.AccessTokens == nil {
		return invalid(errors.New("no AccessTokens verifier is configured"))
	}
	// The verifier cannot tell us a store failure from a bad token
	// (login does not import op), so both are invalid_token; the cause
	// is logged.
	at, err := h.AccessTokens.VerifyAccessToken(r.Context(), token)
	if err != nil {
		return invalid(err)
	}
	if !slices.Contains(at.Scopes, passkeysScope) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey", error="insufficient_scope", scope="passkeys"`)
		return caller{}, errInsufficientScope
	}
	user, err := h.Store.User(r.Context(), at.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return invalid(err)
	}
	if err != nil {
		return caller{}, httpx.Internal(fmt.Errorf("user: %w", err))
	}
	return caller{user: user, token: &at}, nil
}
