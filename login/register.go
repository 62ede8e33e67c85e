package login

import (
	"errors"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// createCredential verifies a registration response (WebAuthn L3 §7.1)
// and checks the new credential against Latchkey's rules: a credential id
// of a sane length (§7.1 step 20: at most 1023 bytes) and the passkey
// policy. Every registration — enrollment links and the passkey API —
// goes through it. A refusal is logged as a security event with the
// library's detail, which never reaches the client.
func (h *Handler) createCredential(r *http.Request, user webauthn.User, session webauthn.SessionData, parsed *protocol.ParsedCredentialCreationData) (*webauthn.Credential, error) {
	cred, err := h.WebAuthn.CreateCredential(user, session, parsed)
	if err != nil {
		var perr *protocol.Error
		info := ""
		if errors.As(err, &perr) {
			info = perr.DevInfo
		}
		h.securityEvent(r, "passkey.registration_refused", "reason", err.Error(), "detail", info)
		return nil, errInvalidCredential.WithCause(err)
	}
	if len(cred.ID) == 0 || len(cred.ID) > maxCredentialIDLength {
		return nil, errInvalidCredential.WithCause(errors.New("credential id length out of range"))
	}
	if err := h.checkNewCredential(r, cred); err != nil {
		return nil, err
	}
	return cred, nil
}
