package login

import (
	"fmt"
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
)

type consentPageData struct {
	pageBase
	AuthRequestID string
	AppName       string
	// Email is who is signed in, so that a person on a shared computer
	// sees whose data the app would get.
	Email string
	// Scopes are the requested scopes Latchkey knows, in plain words.
	Scopes []string
	// CSRFToken goes in the page's meta tag; the decision sends it back.
	CSRFToken string
}

// consentPage serves GET /consent?authRequestID=ID: the app's name, what it
// asks for, and "Allow" and "Deny" (OIDC Core §3.1.2.4). It needs the
// session that signed in for this request; without it (no session, another
// person's, an older one, a link opened elsewhere) the browser goes back to
// /login, which decides afresh and returns here once a sign-in holds.
func (h *Handler) consentPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.URL.Query().Get("authRequestID")
	if !validID(id) {
		return pageSignInExpired
	}
	ar, err := h.openAuthRequest(ctx, id)
	if err != nil {
		return expiredOr(pageSignInExpired, err)
	}
	sess, err := h.session(r)
	if err != nil {
		return httpx.Internal(err)
	}
	if sess.ID == "" || !h.consentBound(r, ar.ID, sess) {
		http.Redirect(w, r, h.issuerURL("login", ar.ID), http.StatusFound)
		return nil
	}
	client, err := h.Store.Client(ctx, ar.ClientID)
	if err != nil {
		return expiredOr(pageSignInExpired, fmt.Errorf("client: %w", err))
	}
	user, err := h.Store.User(ctx, sess.UserID)
	if err != nil {
		return expiredOr(pageSignInExpired, fmt.Errorf("user: %w", err))
	}
	data := consentPageData{
		pageBase:      pageBase{Root: rootTop},
		AuthRequestID: ar.ID,
		AppName:       client.Name,
		Email:         user.Email,
		Scopes:        describeScopes(knownScopes(ar.Scopes)),
		CSRFToken:     h.csrfToken(sess),
	}
	if data.AppName == "" {
		data.AppName = "the app"
	}
	h.render(w, r, http.StatusOK, "consent.html", data)
	return nil
}
