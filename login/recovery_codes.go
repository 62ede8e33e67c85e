package login

import (
	"fmt"
	"net/http"

	"github.com/latchkey-id/latchkey/internal/recoverycode"
)

// firstRecoveryCodes gives a person who just enrolled their first passkey
// and has no recovery codes a set of ten, to be shown once (the enroll
// page's "save these" step). Anyone else — a second passkey, a recovery
// enrollment (the person still holds the rest of their set) — gets none.
func (h *Handler) firstRecoveryCodes(r *http.Request, userID string) ([]string, error) {
	ctx := r.Context()
	passkeys, err := h.Store.PasskeysByUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("passkeys by user: %w", err)
	}
	if len(passkeys) != 1 {
		return nil, nil
	}
	existing, err := h.Store.RecoveryCodes(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("recovery codes: %w", err)
	}
	if len(existing) > 0 {
		return nil, nil
	}
	return h.newRecoveryCodes(r, userID)
}

// newRecoveryCodes replaces the person's recovery codes with a fresh set
// and records "recovery_codes_created"; it returns the codes to show. The
// argon2id hashing runs before the store call, outside its transaction.
func (h *Handler) newRecoveryCodes(r *http.Request, userID string) ([]string, error) {
	codes, records := recoverycode.New(userID, h.now())
	event := h.newEvent(r, userID, eventRecoveryCodesCreated, "", "")
	if err := h.Store.ReplaceRecoveryCodes(r.Context(), userID, records, &event); err != nil {
		return nil, fmt.Errorf("replace recovery codes: %w", err)
	}
	return codes, nil
}
