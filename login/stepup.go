package login

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// Step-up (DESIGN.md): a destructive request — removing a passkey, new
// recovery codes — needs a passkey ceremony in the last five minutes, so
// that a browser left signed in, or a stolen token, cannot lock the
// person out. A browser session proves it with a ceremony on the spot; a
// bearer client by sending the person through a new sign-in with
// prompt=login (RFC 9470), whose auth time its new token carries.

// stepUpMaxAge is how recent the last ceremony must be; also the max_age
// of the RFC 9470 challenge.
const stepUpMaxAge = 5 * time.Minute

var (
	errStepUpRequired = httpx.Forbidden("step_up_required",
		"Confirm it is you with one of your passkeys to continue.")
	errInsufficientUserAuthentication = httpx.NewError(http.StatusUnauthorized, "insufficient_user_authentication",
		"This needs a passkey sign-in within the last 5 minutes. Sign the person in again with prompt=login.")
	errSignedOut = httpx.Forbidden("login_required",
		"You are signed out. Reload the page to sign in again.")
)

// stepUpChallenge is the 403 answer that asks a browser session for a
// ceremony: the request options, and where to post the assertion.
type stepUpChallenge struct {
	Error       string                                     `json:"error"`
	Description string                                     `json:"error_description"`
	PublicKey   protocol.PublicKeyCredentialRequestOptions `json:"publicKey"`
	FinishURL   string                                     `json:"finish_url"`
}

// requireStepUp returns nil when the caller's last passkey ceremony is
// recent enough. Otherwise a bearer caller gets RFC 9470's challenge; a
// session caller gets a step-up ceremony, begun and stored here and
// answered as stepUpChallenge, after which the returned error only tells
// the handler to stop (the adapter does not write an answer twice).
func (h *Handler) requireStepUp(w http.ResponseWriter, r *http.Request, c caller) error {
	at := c.authTime()
	if !at.IsZero() && h.now().Sub(at) < stepUpMaxAge {
		return nil
	}
	if c.bearer() {
		// RFC 9470 §3: the error, and the max_age the new sign-in must meet.
		w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey", error="insufficient_user_authentication", `+
			`error_description="A passkey sign-in within the last 5 minutes is required", max_age=300`)
		return errInsufficientUserAuthentication
	}
	ctx := r.Context()
	passkeys, err := h.Store.PasskeysByUser(ctx, c.user.ID)
	if err != nil {
		return httpx.Internal(fmt.Errorf("passkeys by user: %w", err))
	}
	if len(passkeys) == 0 {
		// Nothing to step up with; unreachable for a person who signed in
		// with a passkey unless every one was removed elsewhere meanwhile.
		return errStepUpRequired.WithCause(errors.New("no passkeys to step up with"))
	}
	assertion, session, err := h.WebAuthn.BeginLogin(newPasskeyUser(c.user, passkeys), h.assertionOptions()...)
	if err != nil {
		return httpx.Internal(fmt.Errorf("begin step-up: %w", err))
	}
	if err := h.startAccountCeremony(ctx, w, kindStepUp, c, ceremonyData{Session: *session}); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusForbidden, stepUpChallenge{
		Error:       errStepUpRequired.Code,
		Description: errStepUpRequired.Description,
		PublicKey:   assertion.Response,
		FinishURL:   h.localPath("/account/step-up/finish"),
	})
	return errStepUpRequired
}

type stepUpFinishRequest struct {
	Credential json.RawMessage `json:"credential"`
}

// stepUpFinish serves POST /account/step-up/finish {"credential"}: the
// assertion must answer this session's step-up ceremony with one of the
// session user's passkeys (WebAuthn §7.2). It records the ceremony in the
// session (RefreshSessionAuth) and answers 204; the page then retries.
func (h *Handler) stepUpFinish(w http.ResponseWriter, r *http.Request) error {
	c, err := h.sessionCaller(r)
	if err != nil {
		return err
	}
	cer, data, err := h.consumeAccountCeremony(w, r, kindStepUp, c)
	if err != nil {
		return err
	}
	var req stepUpFinishRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	if len(req.Credential) == 0 || string(req.Credential) == "null" {
		return errMissingCredential
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(req.Credential)
	if err != nil {
		return errMalformedCredential.WithCause(err)
	}
	user, passkeys, cred, err := h.verifyAssertion(r, cer, data, parsed)
	if err != nil {
		return err
	}
	stored, ok := findPasskey(passkeys, cred.ID)
	if !ok {
		return httpx.Internal(errors.New("verified credential missing from the user's passkeys"))
	}
	if err := h.checkVerifiedAssertion(r, user, stored, cred, parsed); err != nil {
		return err
	}
	now := h.now()
	err = h.Store.RefreshSessionAuth(r.Context(), c.session.ID, now, amrOf(cred, parsed), stored.ID, useOf(cred, now))
	if errors.Is(err, storage.ErrNotFound) {
		// The session ended, or the passkey was removed, meanwhile.
		return errSignedOut.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("refresh session auth: %w", err))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sessionCaller is the caller of a page endpoint that only a browser
// session may use (step-up finish, sign-out): signed in, with the page's
// CSRF token.
func (h *Handler) sessionCaller(r *http.Request) (caller, error) {
	sess, err := h.session(r)
	if err != nil {
		return caller{}, httpx.Internal(err)
	}
	if sess.ID == "" {
		return caller{}, errSignedOut
	}
	if err := h.checkCSRF(r, sess); err != nil {
		return caller{}, err
	}
	user, err := h.Store.User(r.Context(), sess.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return caller{}, errSignedOut.WithCause(err)
	}
	if err != nil {
		return caller{}, httpx.Internal(fmt.Errorf("user: %w", err))
	}
	return caller{user: user, session: sess}, nil
}
