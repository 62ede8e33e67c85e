package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"

	"github.com/go-webauthn/webauthn/protocol"
)

// Decoys answer a login begun with an email that has no passkeys (unknown,
// or a person who never enrolled), so that the answer looks like a real
// one: allowCredentials with plausible entries, the same every time for the
// same email (a changing answer would itself give the game away), and no
// way to tell them from real ones without the server's secret.
//
// How many entries a decoy list has follows the same rule for every email:
// 1, 2 or 3, drawn from the HMAC with weights close to how many passkeys
// people keep (most have one). Real answers list the person's passkeys, so
// a count of two or three is no proof that an account exists.

// decoyLengths are credential id lengths real authenticators use (platform
// authenticators 16–32 bytes, security keys up to 64 and more).
var decoyLengths = [...]int{16, 20, 32, 32, 48, 64}

// decoyTransports are transport lists real registrations report.
var decoyTransports = [...][]protocol.AuthenticatorTransport{
	{protocol.Hybrid, protocol.Internal},
	{protocol.Internal},
	{protocol.Hybrid, protocol.Internal},
	{protocol.USB},
	{protocol.Internal},
	{protocol.NFC, protocol.USB},
}

// decoyCredentials derives the decoy allowCredentials of a normalized email
// from HMAC-SHA-256 keyed with the handler's secret.
func (h *Handler) decoyCredentials(email string) []protocol.CredentialDescriptor {
	seed := h.decoyMAC("count", email, 0, 0)
	n := decoyCount(seed[0])
	out := make([]protocol.CredentialDescriptor, n)
	for i := range n {
		shape := h.decoyMAC("shape", email, byte(i), 0)
		length := decoyLengths[int(shape[0])%len(decoyLengths)]
		id := make([]byte, 0, length)
		for block := byte(0); len(id) < length; block++ {
			id = append(id, h.decoyMAC("id", email, byte(i), block)...)
		}
		out[i] = protocol.CredentialDescriptor{
			Type:         protocol.PublicKeyCredentialType,
			CredentialID: id[:length],
			Transport:    decoyTransports[int(shape[1])%len(decoyTransports)],
		}
	}
	return out
}

// decoyCount maps a uniformly random byte to 1 (70%), 2 (22%) or 3 (8%).
func decoyCount(b byte) int {
	switch {
	case b < 179:
		return 1
	case b < 236:
		return 2
	default:
		return 3
	}
}

func (h *Handler) decoyMAC(purpose, email string, i, block byte) []byte {
	m := hmac.New(sha256.New, h.Secret)
	// Domain separation: these MACs are used for nothing else.
	m.Write([]byte("latchkey login decoy v1\x00" + purpose + "\x00"))
	m.Write([]byte{i, block})
	m.Write([]byte(email))
	return m.Sum(nil)
}

// decoyUserID is the id queried for an unknown email's passkeys, so that an
// unknown email costs the same store queries as a known one. It has the
// shape of a real user id (128 bits, base64url); hitting a real one is as
// likely as guessing it.
func (h *Handler) decoyUserID(email string) string {
	return base64.RawURLEncoding.EncodeToString(h.decoyMAC("user", email, 0, 0)[:16])
}
