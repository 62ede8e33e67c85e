package login

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// The account page (/account) and the passkey management API
// (/api/v1/me/…, DESIGN.md "Passkey management API"): a person lists,
// adds, renames and removes their passkeys, sees their recent security
// activity, makes new recovery codes and signs out. The page is
// server-rendered and calls the very API apps call with a bearer token;
// it authenticates with the browser session and its CSRF token instead.

// accountEventLimit is how much security activity the page shows.
const accountEventLimit = 20

// mountAccount adds the account page, its two page endpoints and the API.
func (h *Handler) mountAccount(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(httpx.SecurityHeaders, httpx.NoStore)
		r.Get("/account", h.page(rootTop, h.accountPage))
		r.Group(func(r chi.Router) {
			r.Use(h.crossOriginProtection())
			r.Post("/account/sign-out", h.api(h.signOut))
			r.Post("/account/step-up/finish", h.api(h.stepUpFinish))
		})
	})
	r.Route("/api/v1/me", func(r chi.Router) {
		r.Use(httpx.NoStore, h.sessionCrossOriginProtection)
		r.NotFound(h.api(func(http.ResponseWriter, *http.Request) error { return errNoSuchEndpoint }))
		r.MethodNotAllowed(h.api(func(http.ResponseWriter, *http.Request) error { return errMethodNotAllowed }))
		r.Get("/passkeys", h.api(h.listPasskeys))
		r.Post("/passkeys/register/begin", h.api(h.registerBegin))
		r.Post("/passkeys/register/finish", h.api(h.registerFinish))
		r.Patch("/passkeys/{id}", h.api(h.renamePasskey))
		r.Delete("/passkeys/{id}", h.api(h.deletePasskey))
		r.Post("/recovery-codes", h.api(h.createRecoveryCodes))
	})
}

var (
	errNoSuchEndpoint   = httpx.NotFound("not_found", "There is no such endpoint.")
	errMethodNotAllowed = httpx.NewError(http.StatusMethodNotAllowed, "invalid_request", "This method is not allowed here.")
)

// sessionCrossOriginProtection refuses cross-origin browser requests that
// would ride on the session cookie, as the page endpoints do. A request
// with an Authorization header carries its own credential, which no other
// site can make a browser send, so apps may call the API from anywhere.
func (h *Handler) sessionCrossOriginProtection(next http.Handler) http.Handler {
	protected := h.crossOriginProtection()(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// accountPage serves GET /account: the account page for the browser's
// session, or, without one, the sign-in page in its account variant (no
// authorization request), whose ceremony comes back here.
func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sess, err := h.session(r)
	if err != nil {
		return httpx.Internal(err)
	}
	var user storage.User
	if sess.ID != "" {
		user, err = h.Store.User(ctx, sess.UserID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return httpx.Internal(fmt.Errorf("user: %w", err))
		}
	}
	if user.ID == "" {
		h.render(w, r, http.StatusOK, "login.html", loginPageData{pageBase: pageBase{Root: rootTop}, AppName: accountPageName})
		return nil
	}
	data, err := h.accountView(r, user, sess)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "account.html", data)
	return nil
}

type signOutResponse struct {
	RedirectTo string `json:"redirect_to"`
}

// signOut serves POST /account/sign-out (session and CSRF token): it ends
// the browser session and answers {"redirect_to": "/signed-out"}.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) error {
	c, err := h.sessionCaller(r)
	if err != nil {
		return err
	}
	if err := h.endSession(r.Context(), c.session); err != nil {
		return httpx.Internal(err)
	}
	h.clearCookie(w, sessionCookie)
	httpx.WriteJSON(w, http.StatusOK, signOutResponse{RedirectTo: h.localPath("/signed-out")})
	return nil
}
