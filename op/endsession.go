package op

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/latchkey-id/latchkey/storage"
)

// endSession serves RP-initiated logout (OpenID Connect RP-Initiated
// Logout 1.0), GET and POST. It ends this browser's OP session — and tells
// the apps it signed into through back-channel logout — then returns the
// browser to the app only when the app proved itself: a valid
// id_token_hint (expired is fine, §2) and a post_logout_redirect_uri
// registered for the hint's client, matched exactly (§3). Otherwise it
// shows the signed-out page. A hint that is not ours stops everything: the
// request is forged or broken, and the session stays.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
			p.errorPage(w, r, http.StatusBadRequest, "The sign-out request could not be read.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	} else if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		p.errorPage(w, r, http.StatusMethodNotAllowed, "The sign-out request could not be read.")
		return
	}
	if err := r.ParseForm(); err != nil || duplicated(r.Form) != "" {
		p.errorPage(w, r, http.StatusBadRequest, "The sign-out request could not be read.")
		return
	}
	ctx := r.Context()
	form := r.Form
	var hint *oidc.IDTokenClaims
	if raw := form.Get("id_token_hint"); raw != "" {
		claims, err := zop.VerifyIDTokenHint[*oidc.IDTokenClaims](ctx, raw, p.op.IDTokenHintVerifier(ctx))
		if err != nil && !errors.As(err, &zop.IDTokenHintExpiredError{}) {
			p.errorPage(w, r, http.StatusBadRequest, "The app's sign-out request is not valid, so you are still signed in. Sign out again from the app.")
			return
		}
		hint = claims
	}
	redirect := p.postLogoutRedirect(r, hint)

	if err := p.endBrowserSession(w, r); err != nil {
		p.cfg.Logger.ErrorContext(ctx, "end session", "error", err)
		p.errorPage(w, r, http.StatusInternalServerError, "You could not be signed out. Try again.")
		return
	}
	if redirect == "" {
		p.signedOut(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, redirect, http.StatusFound)
}

// postLogoutRedirect returns where to send the browser after logout, with
// state appended, or "" when the request did not earn a redirect.
func (p *Provider) postLogoutRedirect(r *http.Request, hint *oidc.IDTokenClaims) string {
	target := r.Form.Get("post_logout_redirect_uri")
	if target == "" || hint == nil {
		return ""
	}
	clientID := hint.AuthorizedParty
	if clientID == "" && len(hint.Audience) == 1 {
		clientID = hint.Audience[0]
	}
	if given := r.Form.Get("client_id"); given != "" && given != clientID {
		return ""
	}
	c, err := p.storage.clients.get(r.Context(), clientID)
	if err != nil || !slices.Contains(c.PostLogoutRedirectURIs, target) {
		return ""
	}
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	if state := r.Form.Get("state"); state != "" {
		q := u.Query()
		q.Set("state", state)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// endBrowserSession ends the OP session of this browser, if it has one.
// The login side calls SessionEnding on the way, which notifies the apps.
func (p *Provider) endBrowserSession(w http.ResponseWriter, r *http.Request) error {
	if p.cfg.Sessions == nil {
		return nil
	}
	return p.cfg.Sessions.EndSession(w, r)
}

// SessionEnding sends back-channel logout (OpenID Back-Channel Logout 1.0)
// to every app that redeemed a code in the session, which is about to
// end. Delivery runs in the background. Wire it as login.Handler's
// SessionEnding, so sign-out on the account page notifies apps as RP-
// initiated logout does.
func (p *Provider) SessionEnding(ctx context.Context, s storage.Session) error {
	clientIDs, err := p.storage.store.SessionClients(ctx, s.ID)
	if err != nil {
		return err
	}
	p.backchannel.notify(s.UserID, s.ID, clientIDs)
	return nil
}

// signedOut shows the signed-out page.
func (p *Provider) signedOut(w http.ResponseWriter, r *http.Request) {
	if p.cfg.SignedOutPage != nil {
		p.cfg.SignedOutPage.ServeHTTP(w, r)
		return
	}
	p.errorPage(w, r, http.StatusOK, "You are signed out.")
}
