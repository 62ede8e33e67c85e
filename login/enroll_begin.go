package login

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

type enrollBeginRequest struct {
	// Email and Name are read only for the setup link, which creates its
	// person; an invitation already names one.
	Email string `json:"email"`
	Name  string `json:"name"`
}

// enrollBegin serves POST /enroll/{token}/begin and answers
// {"publicKey": PublicKeyCredentialCreationOptions} (WebAuthn §5.4).
func (h *Handler) enrollBegin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var req enrollBeginRequest
	if err := httpx.DecodeOptionalJSON(w, r, &req); err != nil {
		return err
	}
	token := chi.URLParam(r, "token")
	e, err := h.enrollment(r, token, errLinkExpired)
	if err != nil {
		return err
	}

	data := ceremonyData{TokenHash: secrets.Hash(token)}
	var user *passkeyUser
	if e.UserID == "" {
		pending, err := h.pendingSetupUser(r, req)
		if err != nil {
			return err
		}
		data.NewUser = pending
		user = pending.webauthnUser()
	} else {
		u, err := h.Store.User(ctx, e.UserID)
		var passkeys []storage.Passkey
		if err == nil {
			passkeys, err = h.Store.PasskeysByUser(ctx, u.ID)
		}
		if errors.Is(err, storage.ErrNotFound) {
			return errLinkExpired.WithCause(err)
		}
		if err != nil {
			return httpx.Internal(fmt.Errorf("load user: %w", err))
		}
		user = newPasskeyUser(u, passkeys)
	}

	creation, session, err := h.WebAuthn.BeginRegistration(user, h.creationOptions(user.descriptors())...)
	if err != nil {
		return httpx.Internal(fmt.Errorf("begin registration: %w", err))
	}
	data.Session = *session
	if err := h.startCeremony(ctx, w, kindEnroll, e.AuthRequestID, e.UserID, data); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, creation)
	return nil
}

// pendingSetupUser validates the setup link's name and email and picks the
// new person's ids: the subject, and a random 32-byte user handle
// (WebAuthn §14.6.1: no personal data in the handle). The person is
// created only when the passkey is.
func (h *Handler) pendingSetupUser(r *http.Request, req enrollBeginRequest) (*pendingUser, error) {
	email, ok := normalizeEmail(req.Email)
	if !ok {
		return nil, errInvalidEmail
	}
	name, ok := normalizeName(req.Name)
	if !ok {
		return nil, errInvalidName
	}
	// Checked now so that nobody creates a passkey on their device for an
	// account that cannot be made; FinishEnrollment checks again atomically.
	// (Only the setup link's holder, the future admin, can ask this.)
	_, err := h.Store.UserByEmail(r.Context(), email)
	if err == nil {
		return nil, errEmailTaken
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return nil, httpx.Internal(fmt.Errorf("user by email: %w", err))
	}
	return &pendingUser{ID: secrets.ID(), WebAuthnID: secrets.Bytes(32), Email: email, Name: name}, nil
}

// registrationOptions are the per-ceremony choices of every registration
// (DESIGN.md passkey policy): a discoverable credential (usernameless
// sign-in), user verification, no attestation, the person's existing
// passkeys excluded (WebAuthn §5.4, excludeCredentials), the credProps
// extension and the ceremony's 5-minute life as the timeout.
func registrationOptions(exclude []protocol.CredentialDescriptor) []webauthn.RegistrationOption {
	return []webauthn.RegistrationOption{
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			RequireResidentKey: protocol.ResidentKeyRequired(),
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			UserVerification:   protocol.VerificationRequired,
		}),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		webauthn.WithExclusions(exclude),
		// credProps (WebAuthn §10.1.3) reports whether the credential really
		// is discoverable; it is stored with the passkey. Asking for it also
		// keeps clients that volunteer it (some password managers do) from
		// failing go-webauthn's refusal of unrequested extension outputs.
		webauthn.WithExtensions(webauthn.WithExtensionCredProps()),
		func(o *protocol.PublicKeyCredentialCreationOptions) error {
			o.Timeout = int(ceremonyTTL.Milliseconds())
			return nil
		},
	}
}
