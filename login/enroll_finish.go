package login

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-webauthn/webauthn/protocol"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

type enrollFinishRequest struct {
	Credential json.RawMessage `json:"credential"`
	// Name is the passkey's name; when absent, its authenticator's name
	// or "Passkey" (namePasskey).
	Name string `json:"name"`
}

type enrollFinishResponse struct {
	Passkey passkeyJSON `json:"passkey"`
	// RecoveryCodes come with a person's first passkey, once
	// (enroll_continue.go).
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
	// RedirectTo continues the sign-in a recovery or sign-up link was
	// bound to.
	RedirectTo string `json:"redirect_to,omitempty"`
}

// defaultPasskeyName names a passkey whose person gave it no name.
const defaultPasskeyName = "Passkey"

// maxCredentialIDLength is WebAuthn §5.1's bound on a credential id.
const maxCredentialIDLength = 1023

// enrollFinish serves POST /enroll/{token}/finish: it verifies the new
// credential (WebAuthn §7.1) and stores it, with the setup link's new
// person, in one FinishEnrollment that also uses the link up.
func (h *Handler) enrollFinish(w http.ResponseWriter, r *http.Request) error {
	cer, data, err := h.consumeCeremony(w, r, kindEnroll)
	if err != nil {
		return err
	}
	tokenHash := secrets.Hash(chi.URLParam(r, "token"))
	if subtle.ConstantTimeCompare(data.TokenHash, tokenHash) != 1 {
		h.securityEvent(r, "ceremony.other_enrollment")
		return errCeremonyExpired.WithCause(errors.New("ceremony belongs to another enrollment link"))
	}
	req, parsed, err := decodeEnrollFinish(w, r)
	if err != nil {
		return err
	}

	ctx := r.Context()
	var user *passkeyUser
	var newUser *storage.User
	now := h.now()
	userID := cer.UserID
	if data.NewUser != nil {
		user = data.NewUser.webauthnUser()
		userID = data.NewUser.ID
		newUser = &storage.User{
			ID:            data.NewUser.ID,
			WebAuthnID:    data.NewUser.WebAuthnID,
			Email:         data.NewUser.Email,
			Name:          data.NewUser.Name,
			EmailVerified: true,
			Admin:         true,
			CreatedAt:     now,
			UpdatedAt:     now,
		}
	} else {
		u, err := h.Store.User(ctx, cer.UserID)
		if errors.Is(err, storage.ErrNotFound) {
			return errLinkExpired.WithCause(err)
		}
		if err != nil {
			return httpx.Internal(fmt.Errorf("user: %w", err))
		}
		user = newPasskeyUser(u, nil)
	}

	cred, err := h.createCredential(r, user, data.Session, parsed)
	if err != nil {
		return err
	}
	pk, err := passkeyOf(secrets.ID(), userID, namePasskey(req.Name, cred), cred, now)
	if err != nil {
		return httpx.Internal(err)
	}
	err = h.Store.FinishEnrollment(ctx, tokenHash, newUser, pk)
	switch {
	case errors.Is(err, storage.ErrAlreadyExists):
		return h.enrollmentConflict(r, pk, err)
	case errors.Is(err, storage.ErrNotFound):
		return errLinkExpired.WithCause(err)
	case err != nil:
		return httpx.Internal(fmt.Errorf("finish enrollment: %w", err))
	}
	return h.afterEnrollment(w, r, cer.AuthRequestID, pk)
}

// decodeEnrollFinish reads the finish body, validates the passkey name and
// parses the credential. All of it is outside input; every failure is a
// 4xx *httpx.Error.
func decodeEnrollFinish(w http.ResponseWriter, r *http.Request) (enrollFinishRequest, *protocol.ParsedCredentialCreationData, error) {
	var req enrollFinishRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return req, nil, err
	}
	// No name: namePasskey picks the authenticator's, else "Passkey".
	if req.Name != "" {
		name, ok := normalizeName(req.Name)
		if !ok {
			return req, nil, errInvalidName
		}
		req.Name = name
	}
	if len(req.Credential) == 0 || string(req.Credential) == "null" {
		return req, nil, errMissingCredential
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(req.Credential)
	if err != nil {
		return req, nil, errMalformedCredential.WithCause(err)
	}
	return req, parsed, nil
}

// enrollmentConflict tells a credential id that is already registered
// (WebAuthn §7.1 step 23: refuse it) from a setup email that was taken
// meanwhile; the store reports both as ErrAlreadyExists.
func (h *Handler) enrollmentConflict(r *http.Request, pk storage.Passkey, cause error) error {
	_, err := h.Store.PasskeyByCredentialID(r.Context(), pk.CredentialID)
	switch {
	case err == nil:
		h.securityEvent(r, "passkey.duplicate_credential_id", "user_id", pk.UserID)
		return errAlreadyRegistered.WithCause(cause)
	case errors.Is(err, storage.ErrNotFound):
		return errEmailTaken.WithCause(cause)
	default:
		return httpx.Internal(fmt.Errorf("passkey by credential id: %w", err))
	}
}
