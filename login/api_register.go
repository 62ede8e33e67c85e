package login

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/validate"
	"github.com/latchkey-id/latchkey/storage"
)

// registerBegin serves POST /api/v1/me/passkeys/register/begin (an empty
// body or {}) and answers 200 {"publicKey": PublicKeyCredentialCreationOptions}
// (WebAuthn §5.4): a discoverable credential, user verification per the
// policy, no attestation, and the person's passkeys in excludeCredentials
// so that an authenticator that already holds one says so.
func (h *Handler) registerBegin(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(w, r)
	if err != nil {
		return err
	}
	var body struct{}
	if err := httpx.DecodeOptionalJSON(w, r, &body); err != nil {
		return err
	}
	ctx := r.Context()
	passkeys, err := h.Store.PasskeysByUser(ctx, c.user.ID)
	if err != nil {
		return httpx.Internal(fmt.Errorf("passkeys by user: %w", err))
	}
	user := newPasskeyUser(c.user, passkeys)
	creation, session, err := h.WebAuthn.BeginRegistration(user, h.creationOptions(user.descriptors())...)
	if err != nil {
		return httpx.Internal(fmt.Errorf("begin registration: %w", err))
	}
	if err := h.startAccountCeremony(ctx, w, kindRegister, c, ceremonyData{Session: *session}); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, creation)
	return nil
}

type registerFinishRequest struct {
	Credential json.RawMessage `json:"credential"`
	// Name is optional: namePasskey picks one.
	Name string `json:"name"`
}

// registerFinish serves POST /api/v1/me/passkeys/register/finish
// {"credential", "name"?}: it verifies the new credential (WebAuthn §7.1)
// against the caller's pending registration, applies the policy, stores
// the passkey with a "passkey_added" event and answers 201 with it. A
// credential id already registered (to anyone) is 409 (§7.1 step 23).
func (h *Handler) registerFinish(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(w, r)
	if err != nil {
		return err
	}
	// One challenge, one attempt: the ceremony goes before the body is read.
	_, data, err := h.consumeAccountCeremony(w, r, kindRegister, c)
	if err != nil {
		return err
	}
	var req registerFinishRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	name := ""
	if req.Name != "" {
		if name, err = validate.Name(req.Name); err != nil {
			return errInvalidName.WithCause(err)
		}
	}
	if len(req.Credential) == 0 || string(req.Credential) == "null" {
		return errMissingCredential
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(req.Credential)
	if err != nil {
		return errMalformedCredential.WithCause(err)
	}
	cred, err := h.createCredential(r, newPasskeyUser(c.user, nil), data.Session, parsed)
	if err != nil {
		return err
	}
	pk, err := passkeyOf(secrets.ID(), c.user.ID, namePasskey(name, cred), cred, h.now())
	if err != nil {
		return httpx.Internal(err)
	}
	event := h.newEvent(r, c.user.ID, eventPasskeyAdded, pk.ID, pk.Name)
	err = h.Store.AddPasskey(r.Context(), pk, &event)
	switch {
	case errors.Is(err, storage.ErrAlreadyExists):
		h.securityEvent(r, "passkey.duplicate_credential_id", "user_id", c.user.ID)
		return errAlreadyRegistered.WithCause(err)
	case errors.Is(err, storage.ErrNotFound):
		return errCeremonyExpired.WithCause(err) // the person was deleted meanwhile
	case err != nil:
		return httpx.Internal(fmt.Errorf("add passkey: %w", err))
	}
	httpx.WriteJSON(w, http.StatusCreated, passkeyView(pk))
	return nil
}
