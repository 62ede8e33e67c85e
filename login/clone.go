package login

import (
	"errors"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// errCounterWentBack keeps the code of errInvalidCredential (custom UIs
// branch on codes) but tells the person what happened.
var errCounterWentBack = httpx.BadRequest("invalid_credential",
	"This passkey was refused: it may have been copied. Use another passkey, and check it on your account page.")

// counterWentBack is WebAuthn §7.2's signCount step: when either value is
// non-zero, a counter that did not grow is a sign of a copied
// authenticator (§6.1.1). Synced passkeys keep 0 and never trip it.
func counterWentBack(stored, presented uint32) bool {
	return (stored != 0 || presented != 0) && presented <= stored
}

// refuseClone is what every assertion (sign-in, step-up) does when its
// counter went back: refuse it (DESIGN.md), and the first time mark the
// passkey in the store (CloneWarning) with a "clone_detected" event that
// the person sees on their account page. The mark stays — sign-ins write
// back the flag go-webauthn keeps — but does not block the passkey: a
// later assertion whose counter grows again is accepted, as the
// conformance suite expects (W5), and the person decides on the account
// page whether to remove it. A failure to mark is only logged: the
// assertion is refused either way.
func (h *Handler) refuseClone(r *http.Request, user storage.User, stored storage.Passkey, parsed *protocol.ParsedCredentialAssertionData) error {
	h.securityEvent(r, "passkey.counter_regression", "user_id", user.ID, "passkey_id", stored.ID,
		"stored_count", stored.SignCount, "presented_count", parsed.Response.AuthenticatorData.Counter,
		"already_flagged", stored.CloneWarning)
	if !stored.CloneWarning {
		event := h.newEvent(r, user.ID, eventCloneDetected, stored.ID, stored.Name)
		if err := h.Store.FlagPasskey(r.Context(), stored.ID, event); err != nil {
			httpx.Logger(r.Context(), h.logger()).Error("flag cloned passkey", "passkey_id", stored.ID, "error", err)
		}
	}
	return errCounterWentBack.WithCause(errors.New("sign counter did not increase"))
}

// checkVerifiedAssertion runs what every verified assertion must still
// pass: the counter check, then the passkey policy. The counter is judged
// from this assertion and the stored count, not from go-webauthn's
// CloneWarning, which stays set once a passkey was flagged.
func (h *Handler) checkVerifiedAssertion(r *http.Request, user storage.User, stored storage.Passkey, cred *webauthn.Credential, parsed *protocol.ParsedCredentialAssertionData) error {
	if counterWentBack(stored.SignCount, parsed.Response.AuthenticatorData.Counter) {
		return h.refuseClone(r, user, stored, parsed)
	}
	return h.checkAssertion(r, cred)
}
