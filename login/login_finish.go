package login

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

type loginFinishRequest struct {
	AuthRequestID string          `json:"auth_request_id"`
	Credential    json.RawMessage `json:"credential"`
}

type redirectResponse struct {
	RedirectTo string `json:"redirect_to"`
}

// loginFinish serves POST /login/passkey/finish: it verifies the assertion
// (WebAuthn §7.2), and on success records the sign-in in one store call
// (passkey use, new session, completed authorization request) and answers
// {"redirect_to": CallbackURL(id)}. When the client needs the person's
// consent first, the request stays open and redirect_to is the consent
// page (or, under prompt=none, the OP with consent_required).
func (h *Handler) loginFinish(w http.ResponseWriter, r *http.Request) error {
	// The ceremony goes first and goes whatever happens next: one
	// challenge, one attempt (WebAuthn §13.4.3).
	cer, data, err := h.consumeCeremony(w, r, kindLogin)
	if err != nil {
		return err
	}
	req, parsed, err := decodeLoginFinish(w, r)
	if err != nil {
		return err
	}
	if !sameID(cer.AuthRequestID, req.AuthRequestID) {
		h.securityEvent(r, "ceremony.other_auth_request")
		return errCeremonyExpired.WithCause(errors.New("ceremony belongs to another auth request"))
	}

	user, passkeys, cred, err := h.verifyAssertion(r, cer, data, parsed)
	if err != nil {
		return err
	}
	stored, ok := findPasskey(passkeys, cred.ID)
	if !ok {
		return httpx.Internal(errors.New("verified credential missing from the user's passkeys"))
	}
	// A sign counter that went back flags the passkey and refuses it;
	// then the operator's policy (clone.go).
	if err := h.checkVerifiedAssertion(r, user, stored, cred, parsed); err != nil {
		return err
	}
	if req.AuthRequestID == "" {
		return h.finishAccountSignIn(w, r, user, stored, cred, parsed)
	}

	// Consent is decided before anything is written: a request that needs
	// it is not completed by the sign-in, which then only creates the
	// session that the consent page works from.
	ar, err := h.openAuthRequest(r.Context(), req.AuthRequestID)
	if err != nil {
		return expiredOr(errSignInExpired, err)
	}
	step, err := h.consentFor(r.Context(), ar, user.ID)
	if err != nil {
		return expiredOr(errSignInExpired, err)
	}
	complete := ""
	if step == consentNotNeeded {
		complete = ar.ID
	}

	sess, token := h.newSession(r, user.ID, amrOf(cred, parsed))
	previous, err := h.session(r)
	if err != nil {
		return httpx.Internal(err)
	}
	err = h.Store.RecordSignIn(r.Context(), storage.SignIn{
		PasskeyID: stored.ID,
		Use: storage.PasskeyUse{
			SignCount:    cred.Authenticator.SignCount,
			CloneWarning: cred.Authenticator.CloneWarning,
			BackupState:  cred.Flags.BackupState,
			UserVerified: cred.Flags.UserVerified,
			UsedAt:       sess.AuthTime,
		},
		Session:       sess,
		AuthRequestID: complete,
		Events:        []storage.SecurityEvent{h.newEvent(r, user.ID, eventSignIn, stored.ID, stored.Name)},
	})
	if errors.Is(err, storage.ErrNotFound) {
		return errSignInExpired.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("record sign-in: %w", err))
	}
	// A sign-in always gets a new session and a new cookie value, and the
	// browser's old session ends: nothing set before the ceremony (session
	// fixation) survives it.
	if previous.ID != "" {
		if err := h.Store.DeleteSession(r.Context(), previous.ID); err != nil {
			httpx.Logger(r.Context(), h.logger()).Error("delete previous session", "error", err)
		}
	}
	h.setCookie(w, sessionCookie, token, h.sessionLifetime())

	to := h.CallbackURL(ar.ID)
	if step != consentNotNeeded {
		if to, err = h.awaitConsent(w, r, ar, step, sess); err != nil {
			return expiredOr(errSignInExpired, err)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, redirectResponse{RedirectTo: to})
	return nil
}

// newSession is the session a passkey ceremony that just succeeded creates,
// and the random cookie value whose hash names it.
func (h *Handler) newSession(r *http.Request, userID string, amr []string) (storage.Session, string) {
	now := h.now()
	token := secrets.Token()
	return storage.Session{
		ID:        secrets.ID(),
		TokenHash: secrets.Hash(token),
		UserID:    userID,
		AuthTime:  now,
		AMR:       amr,
		IP:        httpx.ClientIP(r),
		UserAgent: cleanText(r.UserAgent(), 512),
		CreatedAt: now,
		ExpiresAt: now.Add(h.sessionLifetime()),
	}, token
}

// decodeLoginFinish reads the finish body and parses its credential. All of
// it is outside input; every failure is a 4xx *httpx.Error.
func decodeLoginFinish(w http.ResponseWriter, r *http.Request) (loginFinishRequest, *protocol.ParsedCredentialAssertionData, error) {
	var req loginFinishRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return req, nil, err
	}
	if req.AuthRequestID != "" && !validID(req.AuthRequestID) { // "": the account page
		return req, nil, errMissingRequestID
	}
	if len(req.Credential) == 0 || string(req.Credential) == "null" {
		return req, nil, errMissingCredential
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(req.Credential)
	if err != nil {
		return req, nil, errMalformedCredential.WithCause(err)
	}
	return req, parsed, nil
}

// amrOf lists the authentication methods of this sign-in (RFC 8176 §2):
// "swk" for a synced (backup-eligible) passkey, else "hwk" for a key bound
// to hardware; "user" for the presence test every assertion carries; and
// "mfa" when this assertion verified the user (biometric or PIN on top of
// possession of the key).
func amrOf(cred *webauthn.Credential, parsed *protocol.ParsedCredentialAssertionData) []string {
	amr := []string{"hwk", "user"}
	if cred.Flags.BackupEligible {
		amr[0] = "swk"
	}
	if parsed.Response.AuthenticatorData.Flags.HasUserVerified() {
		amr = append(amr, "mfa")
	}
	return amr
}

// cleanText makes header text fit to store: valid UTF-8 without control
// characters (PostgreSQL refuses NUL and invalid UTF-8), at most n bytes.
func cleanText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary so the stored text stays valid UTF-8.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
