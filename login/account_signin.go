package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// Signing in to the account page: the sign-in page's own passkey ceremony
// (POST /login/passkey/begin and finish) with no auth_request_id. It
// creates a browser session and nothing else, and answers
// {"redirect_to": "/account"}. A ceremony begun for an authorization
// request cannot finish as an account sign-in, nor the other way round:
// finish compares the two ids, and "" matches only "".

// accountPageName is what the sign-in page's heading says the person is
// signing in to ("Sign in to your account").
const accountPageName = "your account"

// signInTarget checks the auth_request_id of a sign-in begin, already
// known to be "" or a well-formed id: "" is a sign-in to the account page;
// anything else must be an open authorization request. It returns the id
// the ceremony is bound to.
func (h *Handler) signInTarget(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	ar, err := h.Store.AuthRequest(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return "", errSignInExpired.WithCause(err)
	}
	if err != nil {
		return "", httpx.Internal(fmt.Errorf("auth request: %w", err))
	}
	if ar.Done || ar.Error != "" {
		return "", errSignInExpired.WithCause(errors.New("auth request already finished"))
	}
	return ar.ID, nil
}

// finishAccountSignIn records a verified sign-in to the account page, in
// one store call: the passkey's use, a new session and a "sign_in" event.
// Like every sign-in it replaces the browser's previous session.
func (h *Handler) finishAccountSignIn(w http.ResponseWriter, r *http.Request, user storage.User, stored storage.Passkey, cred *webauthn.Credential, parsed *protocol.ParsedCredentialAssertionData) error {
	ctx := r.Context()
	sess, token := h.newSession(r, user.ID, amrOf(cred, parsed))
	previous, err := h.session(r)
	if err != nil {
		return httpx.Internal(err)
	}
	err = h.Store.RecordSignIn(ctx, storage.SignIn{
		PasskeyID: stored.ID,
		Use:       useOf(cred, sess.AuthTime),
		Session:   sess,
		Events:    []storage.SecurityEvent{h.newEvent(r, user.ID, eventSignIn, stored.ID, stored.Name)},
	})
	if errors.Is(err, storage.ErrNotFound) {
		// The passkey was removed while its assertion was checked.
		return errUnknownCredential.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("record sign-in: %w", err))
	}
	if previous.ID != "" {
		if err := h.Store.DeleteSession(ctx, previous.ID); err != nil {
			httpx.Logger(ctx, h.logger()).Error("delete previous session", "error", err)
		}
	}
	h.setCookie(w, sessionCookie, token, h.sessionLifetime())
	httpx.WriteJSON(w, http.StatusOK, redirectResponse{RedirectTo: h.localPath("/account")})
	return nil
}

// useOf is what a verified assertion writes back to its passkey.
func useOf(cred *webauthn.Credential, at time.Time) storage.PasskeyUse {
	return storage.PasskeyUse{
		SignCount:    cred.Authenticator.SignCount,
		CloneWarning: cred.Authenticator.CloneWarning,
		BackupState:  cred.Flags.BackupState,
		UserVerified: cred.Flags.UserVerified,
		UsedAt:       at,
	}
}

// localPath is the path of one of our pages under the issuer, which may
// itself have a path behind a proxy: "/account" for a bare issuer.
func (h *Handler) localPath(p string) string {
	u, err := url.Parse(h.Issuer)
	if err != nil {
		return p // Check refuses such an issuer; keep the bare path
	}
	return strings.TrimSuffix(u.Path, "/") + p
}
