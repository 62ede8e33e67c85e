package login

import (
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
)

// Passkey autofill: the sign-in page begins, on load, a discoverable login
// with {"conditional": true}, and calls navigator.credentials.get with
// mediation "conditional" (WebAuthn L3 §5.1.4, CredentialMediationRequirement),
// so the browser offers the person's passkeys in the email field
// (autocomplete="username webauthn"). The ceremony is an ordinary login
// ceremony — same kind, same finish — whose options also carry
// "mediation": "conditional"; the button's modal ceremony, begun after the
// page aborts the conditional one, takes over the ceremony cookie.

var errConditionalWithEmail = httpx.BadRequest("invalid_request",
	"A conditional (autofill) sign-in is discoverable: send no email with it.")

// beginConditionalLogin begins a discoverable login for autofill. The
// stored session says it is conditional too (go-webauthn records the
// mediation only for registrations), so that logs and tests can tell.
func (h *Handler) beginConditionalLogin() (*protocol.CredentialAssertion, *webauthn.SessionData, error) {
	assertion, session, err := h.WebAuthn.BeginDiscoverableMediatedLogin(protocol.MediationConditional, h.assertionOptions()...)
	if err == nil {
		session.Mediation = assertion.Mediation
	}
	return assertion, session, err
}
