package login

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/validate"
	"github.com/latchkey-id/latchkey/storage"
)

var (
	errPasskeyNotFound = httpx.NotFound("not_found",
		"There is no such passkey on your account.")
	errLastPasskey = httpx.Conflict("last_passkey",
		"This is your last passkey and you have no unused recovery code. Add another passkey or create recovery codes first.")
)

// listPasskeys serves GET /api/v1/me/passkeys: the caller's passkeys,
// oldest first, as DESIGN.md's passkey JSON.
func (h *Handler) listPasskeys(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(w, r)
	if err != nil {
		return err
	}
	passkeys, err := h.Store.PasskeysByUser(r.Context(), c.user.ID)
	if err != nil {
		return httpx.Internal(fmt.Errorf("passkeys by user: %w", err))
	}
	out := make([]passkeyJSON, len(passkeys))
	for i, p := range passkeys {
		out[i] = passkeyView(p)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

type renameRequest struct {
	Name string `json:"name"`
}

// renamePasskey serves PATCH /api/v1/me/passkeys/{id} {"name"}: 200 with
// the renamed passkey. Another person's passkey is as unknown as a
// made-up id (404): ids tell nobody what exists.
func (h *Handler) renamePasskey(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(w, r)
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	if !validID(id) {
		return errPasskeyNotFound
	}
	var req renameRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	name, err := validate.Name(req.Name)
	if err != nil {
		return errInvalidName.WithCause(err)
	}
	event := h.newEvent(r, c.user.ID, eventPasskeyRenamed, id, name)
	p, err := h.Store.RenamePasskey(r.Context(), c.user.ID, id, name, &event)
	if errors.Is(err, storage.ErrNotFound) {
		return errPasskeyNotFound.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("rename passkey: %w", err))
	}
	httpx.WriteJSON(w, http.StatusOK, passkeyView(p))
	return nil
}

// deletePasskey serves DELETE /api/v1/me/passkeys/{id}: 204, after a
// step-up. It is 409 when the person would be left with neither a passkey
// nor an unused recovery code. That is checked before the step-up, so
// that nobody is asked for a ceremony to be refused, and decided for good
// by the store, atomically with the delete.
func (h *Handler) deletePasskey(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(w, r)
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	if !validID(id) {
		return errPasskeyNotFound
	}
	ctx := r.Context()
	p, err := h.Store.Passkey(ctx, c.user.ID, id)
	if errors.Is(err, storage.ErrNotFound) {
		return errPasskeyNotFound.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("passkey: %w", err))
	}
	last, err := h.wouldLockOut(r, c.user.ID)
	if err != nil {
		return err
	}
	if last {
		return errLastPasskey
	}
	if err := h.requireStepUp(w, r, c); err != nil {
		return err
	}
	event := h.newEvent(r, c.user.ID, eventPasskeyRemoved, p.ID, p.Name)
	err = h.Store.DeletePasskey(ctx, c.user.ID, p.ID, &event)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return errPasskeyNotFound.WithCause(err)
	case errors.Is(err, storage.ErrConflict):
		return errLastPasskey.WithCause(err)
	case err != nil:
		return httpx.Internal(fmt.Errorf("delete passkey: %w", err))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// wouldLockOut reports whether removing one passkey would leave the person
// with no passkey and no unused recovery code.
func (h *Handler) wouldLockOut(r *http.Request, userID string) (bool, error) {
	passkeys, err := h.Store.PasskeysByUser(r.Context(), userID)
	if err != nil {
		return false, httpx.Internal(fmt.Errorf("passkeys by user: %w", err))
	}
	if len(passkeys) > 1 {
		return false, nil
	}
	unused, err := h.unusedRecoveryCodes(r, userID)
	if err != nil {
		return false, err
	}
	return unused == 0, nil
}

// unusedRecoveryCodes counts the person's recovery codes not yet used.
func (h *Handler) unusedRecoveryCodes(r *http.Request, userID string) (int, error) {
	codes, err := h.Store.RecoveryCodes(r.Context(), userID)
	if err != nil {
		return 0, httpx.Internal(fmt.Errorf("recovery codes: %w", err))
	}
	n := 0
	for _, c := range codes {
		if c.UsedAt.IsZero() {
			n++
		}
	}
	return n, nil
}
