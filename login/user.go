package login

import (
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/storage"
)

// passkeyUser adapts a person and their passkeys to webauthn.User.
type passkeyUser struct {
	handle      []byte
	email, name string
	credentials []webauthn.Credential
}

var _ webauthn.User = (*passkeyUser)(nil)

func newPasskeyUser(u storage.User, passkeys []storage.Passkey) *passkeyUser {
	creds := make([]webauthn.Credential, len(passkeys))
	for i, p := range passkeys {
		creds[i] = credentialOf(p)
	}
	return &passkeyUser{handle: u.WebAuthnID, email: u.Email, name: u.Name, credentials: creds}
}

// WebAuthnID is the user handle: random bytes, never the email (WebAuthn §14.6.1).
func (u *passkeyUser) WebAuthnID() []byte { return u.handle }

// WebAuthnName is what authenticators show to pick an account: the email.
func (u *passkeyUser) WebAuthnName() string { return u.email }

// WebAuthnDisplayName is the person's name, or the email when there is none.
func (u *passkeyUser) WebAuthnDisplayName() string {
	if u.name != "" {
		return u.name
	}
	return u.email
}

// WebAuthnCredentials returns the person's passkeys as credential records.
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.credentials }

// descriptors lists the person's passkeys for excludeCredentials.
func (u *passkeyUser) descriptors() []protocol.CredentialDescriptor {
	return webauthn.Credentials(u.credentials).CredentialDescriptors()
}

// pendingUser is the person a setup link will create: chosen at begin (so
// that the user handle in the new passkey is final) and created only by a
// successful finish.
type pendingUser struct {
	ID         string `json:"id"`
	WebAuthnID []byte `json:"webauthn_id"`
	Email      string `json:"email"`
	Name       string `json:"name"`
}

func (p *pendingUser) webauthnUser() *passkeyUser {
	return &passkeyUser{handle: p.WebAuthnID, email: p.Email, name: p.Name}
}
