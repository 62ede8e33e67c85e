package server

import (
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// newWebAuthn builds the one WebAuthn relying party: RP ID is the issuer's
// host, the allowed origins the issuer's origin plus any extra ones. The
// passkey policy (resident key and user verification required, no
// attestation) is the default of every ceremony; login states it again per
// ceremony through options.
func newWebAuthn(cfg Config) (*webauthn.WebAuthn, error) {
	origin, host, err := issuerOrigin(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	rk := true
	w, err := webauthn.New(&webauthn.Config{
		RPID:                  host,
		RPDisplayName:         cfg.RPName,
		RPOrigins:             append(append([]string{origin}, cfg.ExtraOrigins...), cfg.RelatedOrigins...),
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			RequireResidentKey: &rk,
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			UserVerification:   protocol.VerificationRequired,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("webauthn relying party for %q: %w", host, err)
	}
	return w, nil
}
