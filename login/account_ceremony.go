package login

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// Ceremony kinds of the account API (storage.Ceremony.Kind).
const (
	kindRegister = "register"
	kindStepUp   = "step_up"
)

// Account ceremonies are bound to the person and to whoever began them.
// A browser keeps the ceremony in the HttpOnly cookie every ceremony uses,
// and the ceremony names its session. A bearer client (an app's server)
// may keep no cookies at all, so its ceremony is stored under a key only
// this server can compute from the token's grant: the finish must come
// with a token of the same grant (a refresh in between is fine) and finds
// the ceremony without any state on the client. One grant has at most one
// pending ceremony of a kind; a new begin replaces it.

var errCeremonyBusy = httpx.Conflict("ceremony_in_progress",
	"Another passkey request was started at the same moment. Try again.")

// startAccountCeremony stores a ceremony of kind for the caller.
func (h *Handler) startAccountCeremony(ctx context.Context, w http.ResponseWriter, kind string, c caller, data ceremonyData) error {
	if !c.bearer() {
		data.SessionID = c.session.ID
		return h.startCeremony(ctx, w, kind, "", c.user.ID, data)
	}
	data.GrantID = c.token.FamilyID
	raw, err := json.Marshal(data)
	if err != nil {
		return httpx.Internal(fmt.Errorf("marshal ceremony: %w", err))
	}
	key := h.grantCeremonyKey(kind, c.token.FamilyID)
	if _, err := h.Store.ConsumeCeremony(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return httpx.Internal(fmt.Errorf("drop pending ceremony: %w", err))
	}
	now := h.now()
	cer := storage.Ceremony{Hash: key, Kind: kind, UserID: c.user.ID, Data: raw, CreatedAt: now, ExpiresAt: now.Add(ceremonyTTL)}
	err = h.Store.CreateCeremony(ctx, cer)
	if errors.Is(err, storage.ErrAlreadyExists) {
		// The key is taken by an expired ceremony the janitor has not
		// swept yet (ConsumeCeremony hides expired rows), or by a begin
		// racing this one. Sweeping frees the first case.
		if _, err := h.Store.DeleteExpired(ctx); err != nil {
			return httpx.Internal(fmt.Errorf("sweep expired rows: %w", err))
		}
		err = h.Store.CreateCeremony(ctx, cer)
	}
	switch {
	case errors.Is(err, storage.ErrAlreadyExists):
		return errCeremonyBusy.WithCause(err)
	case errors.Is(err, storage.ErrNotFound):
		return errCeremonyExpired.WithCause(err) // the person was deleted meanwhile
	case err != nil:
		return httpx.Internal(fmt.Errorf("create ceremony: %w", err))
	}
	return nil
}

// consumeAccountCeremony takes the caller's pending ceremony of kind out of
// the store (used once, whatever happens next) and checks that it was
// begun by this caller: the same person, and the same session or grant.
func (h *Handler) consumeAccountCeremony(w http.ResponseWriter, r *http.Request, kind string, c caller) (storage.Ceremony, ceremonyData, error) {
	var (
		cer  storage.Ceremony
		data ceremonyData
		err  error
	)
	if c.bearer() {
		cer, data, err = h.consumeGrantCeremony(r, kind, c.token.FamilyID)
	} else {
		cer, data, err = h.consumeCeremony(w, r, kind)
	}
	if err != nil {
		return storage.Ceremony{}, ceremonyData{}, err
	}
	bound := sameID(cer.UserID, c.user.ID)
	if c.bearer() {
		bound = bound && data.GrantID != "" && sameID(data.GrantID, c.token.FamilyID)
	} else {
		bound = bound && data.SessionID != "" && sameID(data.SessionID, c.session.ID)
	}
	if !bound {
		h.securityEvent(r, "ceremony.other_caller", "kind", kind, "user_id", c.user.ID)
		return storage.Ceremony{}, ceremonyData{}, errCeremonyExpired.WithCause(errors.New("ceremony begun by another session, grant or person"))
	}
	return cer, data, nil
}

// consumeGrantCeremony is consumeCeremony for a bearer client's ceremony.
func (h *Handler) consumeGrantCeremony(r *http.Request, kind, familyID string) (storage.Ceremony, ceremonyData, error) {
	c, err := h.Store.ConsumeCeremony(r.Context(), h.grantCeremonyKey(kind, familyID))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Ceremony{}, ceremonyData{}, errCeremonyExpired.WithCause(err)
	}
	if err != nil {
		return storage.Ceremony{}, ceremonyData{}, httpx.Internal(fmt.Errorf("consume ceremony: %w", err))
	}
	if !h.now().Before(c.ExpiresAt) {
		return storage.Ceremony{}, ceremonyData{}, errCeremonyExpired.WithCause(errors.New("ceremony past its expiry"))
	}
	// The kind is part of the key, so this only guards against a bug.
	if c.Kind != kind {
		return storage.Ceremony{}, ceremonyData{}, errCeremonyExpired.WithCause(errors.New("ceremony of another kind"))
	}
	var data ceremonyData
	if err := json.Unmarshal(c.Data, &data); err != nil {
		return storage.Ceremony{}, ceremonyData{}, httpx.Internal(fmt.Errorf("decode ceremony data: %w", err))
	}
	return c, data, nil
}

// grantCeremonyKey is the storage key of a grant's pending ceremony: an
// HMAC, so nobody without the server's secret can name (or pre-empt) it.
func (h *Handler) grantCeremonyKey(kind, familyID string) []byte {
	m := hmac.New(sha256.New, h.Secret)
	// Domain separation: these MACs are used for nothing else.
	m.Write([]byte("latchkey grant ceremony v1\x00" + kind + "\x00" + familyID))
	return m.Sum(nil)
}
