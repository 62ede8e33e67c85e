package login

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// Ceremony kinds, as stored in storage.Ceremony.Kind.
const (
	kindLogin  = "login"
	kindEnroll = "enroll"
)

// ceremonyData is what begin leaves for finish in storage.Ceremony.Data.
// The WebAuthn session data is kept whole, as go-webauthn requires.
type ceremonyData struct {
	Session webauthn.SessionData `json:"session"`
	// Decoy marks a login begun for an email that has no passkeys: its
	// allowCredentials are made up, so no assertion can finish it.
	Decoy bool `json:"decoy,omitempty"`
	// TokenHash binds an enrollment ceremony to its link.
	TokenHash []byte `json:"token_hash,omitempty"`
	// NewUser is the person the setup link creates when it finishes.
	NewUser *pendingUser `json:"new_user,omitempty"`
	// SessionID binds an account ceremony (register, step-up) begun from a
	// browser session to that session; GrantID binds one begun with a
	// bearer token to the token's grant (see account_ceremony.go).
	SessionID string `json:"session_id,omitempty"`
	GrantID   string `json:"grant_id,omitempty"`
}

// startCeremony stores a ceremony under the hash of a fresh random value and
// gives the browser that value in an HttpOnly cookie, binding the ceremony
// to this browser (a stolen challenge alone cannot finish it).
func (h *Handler) startCeremony(ctx context.Context, w http.ResponseWriter, kind, authRequestID, userID string, data ceremonyData) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return httpx.Internal(fmt.Errorf("marshal ceremony: %w", err))
	}
	token := secrets.Token()
	now := h.now()
	err = h.Store.CreateCeremony(ctx, storage.Ceremony{
		Hash:          secrets.Hash(token),
		Kind:          kind,
		AuthRequestID: authRequestID,
		UserID:        userID,
		Data:          raw,
		CreatedAt:     now,
		ExpiresAt:     now.Add(ceremonyTTL),
	})
	if errors.Is(err, storage.ErrNotFound) {
		// The person was deleted between the lookup and now.
		return errCeremonyExpired.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("create ceremony: %w", err))
	}
	h.setCookie(w, ceremonyCookie, token, ceremonyTTL)
	return nil
}

// consumeCeremony takes this browser's ceremony out of the store, so that
// it is used once whatever happens next (WebAuthn §13.4.3: a challenge is
// single use), and clears the cookie. A missing, used, expired or foreign
// ceremony is errCeremonyExpired.
func (h *Handler) consumeCeremony(w http.ResponseWriter, r *http.Request, kind string) (storage.Ceremony, ceremonyData, error) {
	token := h.cookieValue(r, ceremonyCookie)
	h.clearCookie(w, ceremonyCookie)
	if token == "" {
		return storage.Ceremony{}, ceremonyData{}, errCeremonyExpired
	}
	c, err := h.Store.ConsumeCeremony(r.Context(), secrets.Hash(token))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Ceremony{}, ceremonyData{}, errCeremonyExpired.WithCause(err)
	}
	if err != nil {
		return storage.Ceremony{}, ceremonyData{}, httpx.Internal(fmt.Errorf("consume ceremony: %w", err))
	}
	// The store already hides expired rows by its clock; checking again by
	// ours keeps the 5-minute rule even if the two ever disagree.
	if !h.now().Before(c.ExpiresAt) {
		return storage.Ceremony{}, ceremonyData{}, errCeremonyExpired.WithCause(errors.New("ceremony past its expiry"))
	}
	if c.Kind != kind {
		h.securityEvent(r, "ceremony.wrong_kind", "want", kind, "got", c.Kind)
		return storage.Ceremony{}, ceremonyData{}, errCeremonyExpired.WithCause(errors.New("ceremony of another kind"))
	}
	var data ceremonyData
	if err := json.Unmarshal(c.Data, &data); err != nil {
		return storage.Ceremony{}, ceremonyData{}, httpx.Internal(fmt.Errorf("decode ceremony data: %w", err))
	}
	return c, data, nil
}

// sameID compares two identifiers in constant time.
func sameID(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
