package login

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// Consent (OIDC Core §3.1.2.4): a client registered with RequireConsent
// completes a sign-in only once the person has approved it for the scopes
// it asks. The approval is remembered per person and client; a later
// request for the same or fewer scopes goes through, a wider one, or
// prompt=consent, asks again. First-party clients never ask.
//
// The consent page and its decisions work from the browser session, and
// only for the session that the sign-in for this very request produced or
// passed (a fresh ceremony, or a session /login found good enough): a
// cookie carries an HMAC binding the request to that session. Without it,
// any older session could approve a request that asked for a new ceremony
// (prompt=login, max_age), and a person could be made to approve a request
// begun by someone else.

// promptConsent is the prompt value (OIDC Core §3.1.2.1) that always asks.
const promptConsent = "consent"

// scopeDescriptions says in plain words what each scope Latchkey knows lets
// an app do, in the order the consent page lists them. Other scopes are
// ignored by the OP (DESIGN.md), so they are neither shown nor remembered:
// a consent only ever covers what the person was shown.
var scopeDescriptions = []struct{ scope, text string }{
	{"openid", "Know who you are"},
	{"profile", "See your name"},
	{"email", "See your email address"},
	{"offline_access", "Stay signed in when you are not using it"},
	{"passkeys", "Manage your passkeys"},
}

// knownScopes returns the scopes among requested that Latchkey knows, each
// once, in the consent page's order.
func knownScopes(requested []string) []string {
	var out []string
	for _, d := range scopeDescriptions {
		if slices.Contains(requested, d.scope) {
			out = append(out, d.scope)
		}
	}
	return out
}

// describeScopes turns known scopes into the consent page's sentences.
func describeScopes(scopes []string) []string {
	var out []string
	for _, d := range scopeDescriptions {
		if slices.Contains(scopes, d.scope) {
			out = append(out, d.text)
		}
	}
	return out
}

// unionScopes returns granted followed by the scopes of more it lacks.
func unionScopes(granted, more []string) []string {
	out := slices.Clone(granted)
	for _, s := range more {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// consentStep is what a sign-in must do about consent before its request
// completes.
type consentStep int

const (
	// consentNotNeeded: complete the request now.
	consentNotNeeded consentStep = iota
	// consentAsk: send the person to the consent page.
	consentAsk
	// consentRequired: prompt=none forbids asking, so the request fails
	// with consent_required (OIDC Core §3.1.2.6).
	consentRequired
)

// consentFor decides the consent step of the person's sign-in for ar. A
// client that no longer exists is storage.ErrNotFound.
func (h *Handler) consentFor(ctx context.Context, ar storage.AuthRequest, userID string) (consentStep, error) {
	client, err := h.Store.Client(ctx, ar.ClientID)
	if err != nil {
		return 0, fmt.Errorf("client: %w", err)
	}
	if !client.RequireConsent {
		return consentNotNeeded, nil
	}
	if !slices.Contains(ar.Prompt, promptConsent) {
		c, err := h.Store.Consent(ctx, userID, client.ID)
		switch {
		case err == nil:
			if covers(c.Scopes, knownScopes(ar.Scopes)) {
				return consentNotNeeded, nil
			}
		case !errors.Is(err, storage.ErrNotFound):
			return 0, fmt.Errorf("consent: %w", err)
		}
	}
	if slices.Contains(ar.Prompt, promptNone) {
		return consentRequired, nil
	}
	return consentAsk, nil
}

// covers reports whether granted holds every scope of wanted.
func covers(granted, wanted []string) bool {
	for _, s := range wanted {
		if !slices.Contains(granted, s) {
			return false
		}
	}
	return true
}

// awaitConsent acts on a step other than consentNotNeeded, for the session
// that just signed in (or was found) for ar, and returns where the browser
// goes next: the consent page, bound to that session, or the OP with
// consent_required. A request that can no longer fail is storage.ErrNotFound.
func (h *Handler) awaitConsent(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, step consentStep, s storage.Session) (string, error) {
	if step == consentRequired {
		err := h.Store.FailAuthRequest(r.Context(), ar.ID, "consent_required", "The user has not approved this app for the requested scopes.")
		if err != nil {
			return "", fmt.Errorf("fail auth request: %w", err)
		}
		return h.CallbackURL(ar.ID), nil
	}
	// The cookie lives as long as the request could still be completed.
	h.setCookie(w, consentCookie, h.consentBinding(ar.ID, s), ar.ExpiresAt.Sub(h.now()))
	return h.issuerURL("consent", ar.ID), nil
}

// consentBinding is the consent cookie's value for one request and one
// session: an HMAC under the handler's secret, so nobody can make one, and
// one replica checks what another set.
func (h *Handler) consentBinding(authRequestID string, s storage.Session) string {
	m := hmac.New(sha256.New, h.Secret)
	// Domain separation: these MACs are used for nothing else. Ids never
	// contain NUL (validID, and ours are base64url).
	m.Write([]byte("latchkey consent binding v1\x00" + authRequestID + "\x00" + s.ID + "\x00" + s.UserID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// consentBound reports whether the browser's consent cookie binds the
// request to this session.
func (h *Handler) consentBound(r *http.Request, authRequestID string, s storage.Session) bool {
	got := h.cookieValue(r, consentCookie)
	return got != "" && hmac.Equal([]byte(got), []byte(h.consentBinding(authRequestID, s)))
}

// issuerURL is the absolute URL of one of our pages for a request, under
// the issuer (which may carry a path behind a proxy).
func (h *Handler) issuerURL(page, authRequestID string) string {
	return strings.TrimSuffix(h.Issuer, "/") + "/" + page + "?authRequestID=" + url.QueryEscape(authRequestID)
}

// errRequestFinished marks a request already done or failed: for every
// step of a sign-in it is as good as gone.
var errRequestFinished = fmt.Errorf("auth request already finished: %w", storage.ErrNotFound)

// openAuthRequest returns the unexpired request with this id that is
// neither done nor failed; otherwise an error wrapping storage.ErrNotFound.
func (h *Handler) openAuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	ar, err := h.Store.AuthRequest(ctx, id)
	if err != nil {
		return storage.AuthRequest{}, fmt.Errorf("auth request: %w", err)
	}
	if ar.Done || ar.Error != "" {
		return storage.AuthRequest{}, errRequestFinished
	}
	return ar, nil
}

// expiredOr maps a store error: a missing (or finished) row is the given
// client error, anything else a 500.
func expiredOr(expired *httpx.Error, err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return expired.WithCause(err)
	}
	return httpx.Internal(err)
}
