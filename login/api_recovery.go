package login

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/recoverycode"
	"github.com/latchkey-id/latchkey/storage"
)

type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

// createRecoveryCodes serves POST /api/v1/me/recovery-codes (an empty body
// or {}): after a step-up, a new set of codes replaces the old one, with a
// "recovery_codes_created" event, and the codes are answered (201) — the
// one time they are shown; only their argon2id hashes are kept.
func (h *Handler) createRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(w, r)
	if err != nil {
		return err
	}
	var body struct{}
	if err := httpx.DecodeOptionalJSON(w, r, &body); err != nil {
		return err
	}
	if err := h.requireStepUp(w, r, c); err != nil {
		return err
	}
	// The hashing happens here, before the store's transaction begins.
	codes, records := recoverycode.New(c.user.ID, h.now())
	event := h.newEvent(r, c.user.ID, eventRecoveryCodesCreated, "", "")
	err = h.Store.ReplaceRecoveryCodes(r.Context(), c.user.ID, records, &event)
	if errors.Is(err, storage.ErrNotFound) {
		return errSignedOut.WithCause(err) // the person was deleted meanwhile
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("replace recovery codes: %w", err))
	}
	httpx.WriteJSON(w, http.StatusCreated, recoveryCodesResponse{RecoveryCodes: codes})
	return nil
}
