package login

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

type loginBeginRequest struct {
	AuthRequestID string `json:"auth_request_id"`
	Email         string `json:"email"`
	// Conditional begins passkey autofill (conditional.go).
	Conditional bool `json:"conditional"`
}

// loginBegin serves POST /login/passkey/begin and answers
// {"publicKey": PublicKeyCredentialRequestOptions} (WebAuthn §5.5).
//
// Without an email the login is discoverable: empty allowCredentials, the
// authenticator offers the person's passkeys. With one, allowCredentials
// narrows the choice: the person's passkeys when the email is known and has
// some, otherwise decoys. Both cases cost the same store queries and give
// the same shape of answer, so nobody learns whether an email has an account.
func (h *Handler) loginBegin(w http.ResponseWriter, r *http.Request) error {
	var req loginBeginRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	// No auth_request_id: a sign-in to the account page (account_signin.go).
	if req.AuthRequestID != "" && !validID(req.AuthRequestID) {
		return errMissingRequestID
	}
	var email string
	if req.Email != "" {
		var ok bool
		if email, ok = normalizeEmail(req.Email); !ok {
			return errInvalidEmail
		}
	}
	if req.Conditional && email != "" {
		return errConditionalWithEmail
	}
	ctx := r.Context()
	arID, err := h.signInTarget(ctx, req.AuthRequestID)
	if err != nil {
		return err
	}

	var (
		assertion *protocol.CredentialAssertion
		session   *webauthn.SessionData
		data      ceremonyData
		userID    string
	)
	if req.Conditional {
		assertion, session, err = h.beginConditionalLogin()
	} else if email == "" {
		assertion, session, err = h.WebAuthn.BeginDiscoverableLogin(h.assertionOptions()...)
	} else {
		user, passkeys, known, lerr := h.lookupEmail(r, email)
		if lerr != nil {
			return lerr
		}
		if known {
			userID = user.ID
			assertion, session, err = h.WebAuthn.BeginLogin(newPasskeyUser(user, passkeys), h.assertionOptions()...)
		} else {
			data.Decoy = true
			opts := append(h.assertionOptions(), webauthn.WithAllowedCredentials(h.decoyCredentials(email)))
			assertion, session, err = h.WebAuthn.BeginDiscoverableLogin(opts...)
		}
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("begin login: %w", err))
	}
	data.Session = *session
	if err := h.startCeremony(ctx, w, kindLogin, arID, userID, data); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, assertion)
	return nil
}

// lookupEmail finds the person with this email and their passkeys. known is
// false for an unknown email and for a person without passkeys; either way
// it runs the same two queries (an unknown email looks up the passkeys of a
// decoy user id), so the answer's timing does not tell the cases apart.
func (h *Handler) lookupEmail(r *http.Request, email string) (storage.User, []storage.Passkey, bool, error) {
	ctx := r.Context()
	user, err := h.Store.UserByEmail(ctx, email)
	found := err == nil
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, nil, false, httpx.Internal(fmt.Errorf("user by email: %w", err))
	}
	owner := user.ID
	if !found {
		owner = h.decoyUserID(email)
	}
	passkeys, err := h.Store.PasskeysByUser(ctx, owner)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, nil, false, httpx.Internal(fmt.Errorf("passkeys by user: %w", err))
	}
	if !found || len(passkeys) == 0 {
		return storage.User{}, nil, false, nil
	}
	return user, passkeys, true, nil
}

// loginOptions are the per-ceremony choices of every login: user
// verification required (DESIGN.md passkey policy) and the ceremony's
// 5-minute life as the browser's timeout. Passed per request, never set by
// mutating the shared webauthn.Config. Ceremonies begin with
// h.assertionOptions(), which applies the operator's Policy on top.
func loginOptions() []webauthn.LoginOption {
	return []webauthn.LoginOption{
		webauthn.WithUserVerification(protocol.VerificationRequired),
		func(o *protocol.PublicKeyCredentialRequestOptions) error {
			o.Timeout = int(ceremonyTTL.Milliseconds())
			return nil
		},
	}
}
