package login

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// Prompt values of OIDC Core §3.1.2.1 that change what /login does.
const (
	promptNone  = "none"
	promptLogin = "login"
)

type loginPageData struct {
	pageBase
	AuthRequestID string
	AppName       string
	Email         string
	// SignupOpen shows "Create an account" (signup.go).
	SignupOpen bool
}

// loginPage serves GET /login?authRequestID=ID. It decides, per OIDC Core
// §3.1.2.1, between single sign-on from the browser's session, an error
// back to the client (prompt=none), and the passkey page.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.URL.Query().Get("authRequestID")
	if !validID(id) {
		return pageSignInExpired
	}
	ar, err := h.Store.AuthRequest(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return pageSignInExpired.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("auth request: %w", err))
	}
	if ar.Done || ar.Error != "" {
		return pageSignInExpired.WithCause(errors.New("auth request already finished"))
	}

	none := slices.Contains(ar.Prompt, promptNone)
	if none && len(ar.Prompt) > 1 {
		// §3.1.2.1: "none" with any other value is an error. The OP should
		// have refused it already; never show a page for it.
		return h.failToClient(w, r, ar.ID, "invalid_request", "prompt=none cannot be combined with other prompt values.")
	}
	if h.wantsSignup(r, ar) {
		http.Redirect(w, r, h.issuerURL("signup", ar.ID), http.StatusFound)
		return nil
	}

	sess, err := h.session(r)
	if err != nil {
		return httpx.Internal(err)
	}
	if sess.ID != "" && !h.reauthenticationRequired(ar, sess) {
		return h.continueFromSession(w, r, ar, sess)
	}
	if none {
		// §3.1.2.6: prompt=none and no usable session → login_required,
		// as an error response to the client, never a page.
		return h.failToClient(w, r, ar.ID, "login_required", "The user is not signed in.")
	}

	client, err := h.Store.Client(ctx, ar.ClientID)
	if errors.Is(err, storage.ErrNotFound) {
		return pageSignInExpired.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("client: %w", err))
	}
	data := loginPageData{pageBase: pageBase{Root: rootTop}, AuthRequestID: ar.ID, AppName: client.Name, SignupOpen: h.Signup.Open}
	if email, ok := normalizeEmail(ar.LoginHint); ok {
		data.Email = email
	}
	if data.AppName == "" {
		data.AppName = "the app"
	}
	h.render(w, r, http.StatusOK, "login.html", data)
	return nil
}

// reauthenticationRequired reports whether the request forbids answering
// from the existing session (OIDC Core §3.1.2.1): prompt=login; max_age
// seconds or more since the session's last ceremony (so max_age=0 always
// forces one); or an id_token_hint naming another person (no silent switch
// of users).
func (h *Handler) reauthenticationRequired(ar storage.AuthRequest, s storage.Session) bool {
	if slices.Contains(ar.Prompt, promptLogin) {
		return true
	}
	if ar.MaxAge != nil && h.now().Sub(s.AuthTime) >= time.Duration(*ar.MaxAge)*time.Second {
		return true
	}
	return ar.HintSubject != "" && !sameID(ar.HintSubject, s.UserID)
}

// continueFromSession answers the request from the browser's session: at
// once, or by way of the consent page when the client needs the person's
// approval (or, under prompt=none, with consent_required).
func (h *Handler) continueFromSession(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, s storage.Session) error {
	step, err := h.consentFor(r.Context(), ar, s.UserID)
	if err != nil {
		return expiredOr(pageSignInExpired, err)
	}
	if step == consentNotNeeded {
		return h.completeFromSession(w, r, ar.ID, s)
	}
	to, err := h.awaitConsent(w, r, ar, step, s)
	if err != nil {
		return expiredOr(pageSignInExpired, err)
	}
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

// completeFromSession finishes the request with the session's sign-in (its
// auth time and AMR, not now's: no ceremony happened) and returns the
// browser to the OP.
func (h *Handler) completeFromSession(w http.ResponseWriter, r *http.Request, id string, s storage.Session) error {
	_, err := h.Store.CompleteAuthRequest(r.Context(), id, storage.Completion{
		UserID:    s.UserID,
		AuthTime:  s.AuthTime,
		AMR:       s.AMR,
		SessionID: s.ID,
	})
	if errors.Is(err, storage.ErrNotFound) {
		return pageSignInExpired.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("complete auth request: %w", err))
	}
	http.Redirect(w, r, h.CallbackURL(id), http.StatusFound)
	return nil
}

// failToClient records an OAuth error on the request and returns the
// browser to the OP, which sends the error to the client.
func (h *Handler) failToClient(w http.ResponseWriter, r *http.Request, id, code, description string) error {
	err := h.Store.FailAuthRequest(r.Context(), id, code, description)
	if errors.Is(err, storage.ErrNotFound) {
		return pageSignInExpired.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("fail auth request: %w", err))
	}
	http.Redirect(w, r, h.CallbackURL(id), http.StatusFound)
	return nil
}
