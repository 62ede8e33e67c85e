package login

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/storage"
)

// credentialOf turns a stored passkey back into the credential record
// go-webauthn verifies assertions against.
func credentialOf(p storage.Passkey) webauthn.Credential {
	var flags protocol.AuthenticatorFlags
	if p.UserPresent {
		flags |= protocol.FlagUserPresent
	}
	if p.UserVerified {
		flags |= protocol.FlagUserVerified
	}
	if p.BackupEligible {
		flags |= protocol.FlagBackupEligible
	}
	if p.BackupState {
		flags |= protocol.FlagBackupState
	}
	transports := make([]protocol.AuthenticatorTransport, len(p.Transports))
	for i, t := range p.Transports {
		transports[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{
		ID:                p.CredentialID,
		PublicKey:         p.PublicKey,
		AttestationType:   p.AttestationType,
		AttestationFormat: p.AttestationFormat,
		Transport:         transports,
		Flags:             webauthn.NewCredentialFlags(flags),
		Authenticator: webauthn.Authenticator{
			AAGUID:       p.AAGUID,
			SignCount:    p.SignCount,
			CloneWarning: p.CloneWarning,
			Attachment:   protocol.AuthenticatorAttachment(p.Attachment),
		},
	}
}

// passkeyOf records every field of a newly registered credential, so that
// it can be verified again later (go-webauthn: "Implementers MUST persist
// all fields").
func passkeyOf(id, userID, name string, c *webauthn.Credential, now time.Time) (storage.Passkey, error) {
	attestation, err := json.Marshal(c.Attestation)
	if err != nil {
		return storage.Passkey{}, fmt.Errorf("marshal attestation: %w", err)
	}
	var extensions []byte
	if c.Extensions != (webauthn.CredentialExtensions{}) {
		if extensions, err = json.Marshal(c.Extensions); err != nil {
			return storage.Passkey{}, fmt.Errorf("marshal extensions: %w", err)
		}
	}
	transports := make([]string, len(c.Transport))
	for i, t := range c.Transport {
		transports[i] = string(t)
	}
	return storage.Passkey{
		ID:                id,
		UserID:            userID,
		CredentialID:      c.ID,
		PublicKey:         c.PublicKey,
		AttestationType:   c.AttestationType,
		AttestationFormat: c.AttestationFormat,
		AAGUID:            c.Authenticator.AAGUID,
		SignCount:         c.Authenticator.SignCount,
		CloneWarning:      c.Authenticator.CloneWarning,
		Attachment:        string(c.Authenticator.Attachment),
		UserPresent:       c.Flags.UserPresent,
		UserVerified:      c.Flags.UserVerified,
		BackupEligible:    c.Flags.BackupEligible,
		BackupState:       c.Flags.BackupState,
		Transports:        transports,
		Attestation:       attestation,
		Extensions:        extensions,
		Name:              name,
		CreatedAt:         now,
	}, nil
}

// findPasskey returns the stored passkey with this credential id.
func findPasskey(passkeys []storage.Passkey, credentialID []byte) (storage.Passkey, bool) {
	for _, p := range passkeys {
		if bytes.Equal(p.CredentialID, credentialID) {
			return p, true
		}
	}
	return storage.Passkey{}, false
}
