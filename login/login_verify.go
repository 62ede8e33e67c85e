package login

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// verifyAssertion checks the assertion against the ceremony: against the
// passkeys of the person the ceremony was begun for (email login), or of
// the person the user handle names (discoverable login, WebAuthn §7.2 steps
// 6–7). It returns the person, their passkeys and the updated credential.
func (h *Handler) verifyAssertion(r *http.Request, cer storage.Ceremony, data ceremonyData, parsed *protocol.ParsedCredentialAssertionData) (storage.User, []storage.Passkey, *webauthn.Credential, error) {
	ctx := r.Context()
	if data.Decoy {
		// Begun for an email without passkeys: nothing can match.
		return storage.User{}, nil, nil, errUnknownCredential.WithCause(errors.New("assertion for a decoy ceremony"))
	}
	var (
		user      storage.User
		passkeys  []storage.Passkey
		lookupErr error
		cred      *webauthn.Credential
		err       error
	)
	if cer.UserID != "" {
		if user, err = h.Store.User(ctx, cer.UserID); err == nil {
			passkeys, err = h.Store.PasskeysByUser(ctx, user.ID)
		}
		if errors.Is(err, storage.ErrNotFound) {
			return storage.User{}, nil, nil, errUnknownCredential.WithCause(err)
		}
		if err != nil {
			return storage.User{}, nil, nil, httpx.Internal(fmt.Errorf("load user: %w", err))
		}
		cred, err = h.WebAuthn.ValidateLogin(newPasskeyUser(user, passkeys), data.Session, parsed)
	} else {
		_, cred, err = h.WebAuthn.ValidatePasskeyLogin(func(_, userHandle []byte) (webauthn.User, error) {
			if len(userHandle) > 64 { // WebAuthn §5.4.3: a user handle is at most 64 bytes
				lookupErr = storage.ErrNotFound
				return nil, lookupErr
			}
			if user, lookupErr = h.Store.UserByWebAuthnID(ctx, userHandle); lookupErr != nil {
				return nil, lookupErr
			}
			if passkeys, lookupErr = h.Store.PasskeysByUser(ctx, user.ID); lookupErr != nil {
				return nil, lookupErr
			}
			return newPasskeyUser(user, passkeys), nil
		}, data.Session, parsed)
	}
	if err != nil {
		if lookupErr != nil && !errors.Is(lookupErr, storage.ErrNotFound) {
			return storage.User{}, nil, nil, httpx.Internal(fmt.Errorf("look up user handle: %w", lookupErr))
		}
		// A known person whose passkeys lack this credential removed it
		// (or an operator reset them): unknown too, so that the page can
		// tell the browser to forget it (conditional.go).
		gone := user.ID != "" && !slices.ContainsFunc(passkeys, func(p storage.Passkey) bool { return bytes.Equal(p.CredentialID, parsed.RawID) })
		return storage.User{}, nil, nil, h.assertionRefused(r, err, lookupErr != nil || gone)
	}
	return user, passkeys, cred, nil
}

// assertionRefused maps a verification failure to a client error and logs
// why (the library's DevInfo says which check failed).
func (h *Handler) assertionRefused(r *http.Request, err error, unknownUser bool) error {
	var unknown *protocol.ErrorUnknownCredential
	var perr *protocol.Error
	info := ""
	if errors.As(err, &perr) {
		info = perr.DevInfo
	}
	h.securityEvent(r, "passkey.assertion_refused", "reason", err.Error(), "detail", info)
	if unknownUser || errors.As(err, &unknown) {
		return errUnknownCredential.WithCause(err)
	}
	return errInvalidCredential.WithCause(err)
}
