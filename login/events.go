package login

import (
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// Kinds of storage.SecurityEvent this package records. The account page
// shows them in words (eventWords).
const (
	eventSignIn               = "sign_in"
	eventPasskeyAdded         = "passkey_added"
	eventPasskeyRenamed       = "passkey_renamed"
	eventPasskeyRemoved       = "passkey_removed"
	eventCloneDetected        = "clone_detected"
	eventRecoveryCodesCreated = "recovery_codes_created"
)

// newEvent is a security event of the person's account, happening now in
// this request: its client IP and user agent are what the account page
// shows, so that a person can tell their own devices from a stranger's.
func (h *Handler) newEvent(r *http.Request, userID, kind, passkeyID, detail string) storage.SecurityEvent {
	return storage.SecurityEvent{
		ID:        secrets.ID(),
		UserID:    userID,
		Kind:      kind,
		PasskeyID: passkeyID,
		IP:        httpx.ClientIP(r),
		UserAgent: cleanText(r.UserAgent(), 512),
		Detail:    detail,
		CreatedAt: h.now(),
	}
}
