package login

import (
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/aaguid"
)

// authenticatorName is the name of the authenticator model a passkey's
// AAGUID names ("iCloud Keychain", "YubiKey 5 Series"), or "" when the
// AAGUID is unknown or absent.
func authenticatorName(id []byte) string {
	if len(id) != 16 {
		return ""
	}
	return aaguid.Name(formatUUID(id))
}

// namePasskey is the name a new passkey gets: the one the person chose
// (already validated), else its authenticator's, else "Passkey". A list
// entry that would not pass as a name itself (too long, say) is skipped.
func namePasskey(chosen string, cred *webauthn.Credential) string {
	if chosen != "" {
		return chosen
	}
	if name, ok := normalizeName(authenticatorName(cred.Authenticator.AAGUID)); ok {
		return name
	}
	return defaultPasskeyName
}
