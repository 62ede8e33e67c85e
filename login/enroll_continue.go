package login

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// afterEnrollment answers a successful enrollment finish, once the passkey
// is stored: {"passkey"}, plus "recovery_codes" when this was the
// person's first passkey and they had none (shown once, never again), plus
// "redirect_to" when the link was bound to an authorization request — a
// recovery or a sign-up — whose sign-in continues now: a session is
// recorded with the new passkey as its ceremony, and the request completes
// (or goes by the consent page, as after a sign-in).
//
// The passkey is already stored, so nothing here fails the answer: a
// failure leaves out what it could not do (the person can make codes on
// the account page, or sign in again from the app) and is logged.
func (h *Handler) afterEnrollment(w http.ResponseWriter, r *http.Request, authRequestID string, pk storage.Passkey) error {
	log := httpx.Logger(r.Context(), h.logger())
	res := enrollFinishResponse{Passkey: passkeyView(pk)}
	codes, err := h.firstRecoveryCodes(r, pk.UserID)
	if err != nil {
		log.Error("recovery codes at first passkey", "error", err)
	}
	res.RecoveryCodes = codes
	added := h.newEvent(r, pk.UserID, eventPasskeyAdded, pk.ID, pk.Name)
	recorded := false
	if authRequestID != "" {
		res.RedirectTo, recorded, err = h.continueSignIn(w, r, authRequestID, pk, added)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			// The request expired or was finished meanwhile: the
			// passkey stays, and the page sends the person back to the app.
			log.Info("enrollment cannot continue its sign-in", "error", err)
		case err != nil:
			log.Error("continue sign-in after enrollment", "error", err)
		}
	}
	if !recorded {
		// No sign-in recorded the event with it.
		if err := h.Store.RecordEvent(r.Context(), added); err != nil {
			log.Error("record passkey_added", "error", err)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

// continueSignIn signs the person in with the passkey they just created,
// for the authorization request their enrollment link was bound to, and
// returns where the browser goes next and whether the sign-in, and with it
// added (the passkey_added event), was recorded. It is loginFinish's second half
// (consent first, then one RecordSignIn, the old session ended, the new
// cookie set) with the registration as the ceremony. A request that cannot
// complete any more is storage.ErrNotFound.
func (h *Handler) continueSignIn(w http.ResponseWriter, r *http.Request, authRequestID string, pk storage.Passkey, added storage.SecurityEvent) (string, bool, error) {
	ctx := r.Context()
	ar, err := h.openAuthRequest(ctx, authRequestID)
	if err != nil {
		return "", false, err
	}
	step, err := h.consentFor(ctx, ar, pk.UserID)
	if err != nil {
		return "", false, err
	}
	complete := ""
	if step == consentNotNeeded {
		complete = ar.ID
	}
	sess, token := h.newSession(r, pk.UserID, amrOfRegistration(pk))
	previous, err := h.session(r)
	if err != nil {
		return "", false, err
	}
	err = h.Store.RecordSignIn(ctx, storage.SignIn{
		PasskeyID: pk.ID,
		Use: storage.PasskeyUse{
			SignCount:    pk.SignCount,
			BackupState:  pk.BackupState,
			UserVerified: pk.UserVerified,
			UsedAt:       sess.AuthTime,
		},
		Session:       sess,
		AuthRequestID: complete,
		Events:        []storage.SecurityEvent{added, h.newEvent(r, pk.UserID, eventSignIn, pk.ID, "")},
	})
	if err != nil {
		return "", false, fmt.Errorf("record sign-in: %w", err)
	}
	if previous.ID != "" {
		if err := h.Store.DeleteSession(ctx, previous.ID); err != nil {
			httpx.Logger(ctx, h.logger()).Error("delete previous session", "error", err)
		}
	}
	h.setCookie(w, sessionCookie, token, h.sessionLifetime())
	if step == consentNotNeeded {
		return h.CallbackURL(ar.ID), true, nil
	}
	to, err := h.awaitConsent(w, r, ar, step, sess)
	return to, true, err
}

// amrOfRegistration lists the authentication methods (RFC 8176 §2) of a
// sign-in whose ceremony was the creation of the passkey: as amrOf, from
// the flags the registration reported.
func amrOfRegistration(pk storage.Passkey) []string {
	amr := []string{"hwk", "user"}
	if pk.BackupEligible {
		amr[0] = "swk"
	}
	if pk.UserVerified {
		amr = append(amr, "mfa")
	}
	return amr
}
