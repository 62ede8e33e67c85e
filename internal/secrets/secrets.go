// Package secrets makes the random values Latchkey hands out (ids, tokens,
// secrets) and the hashes it keeps of them.
//
// High-entropy secrets (256 bits) are stored as plain SHA-256: a slow hash
// adds nothing when guessing is hopeless, and the token endpoint stays fast.
// Low-entropy secrets (recovery codes) use a slow hash elsewhere.
package secrets

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// ID returns a random identifier: 128 bits, base64url without padding
// (22 characters, URL-safe, never containing ':'). It never starts with
// '-' or '_': people paste ids into command lines, where a leading '-'
// reads as a flag. (The redraw costs under 0.1 bit.)
func ID() string {
	for {
		id := randomString(16)
		if id[0] != '-' && id[0] != '_' {
			return id
		}
	}
}

// Token returns a random secret: 256 bits, base64url without padding
// (43 characters).
func Token() string { return randomString(32) }

// Bytes returns n random bytes.
func Bytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never fails on supported platforms (Go 1.24+ crashes
	// the program instead of returning an error).
	_, _ = rand.Read(b)
	return b
}

// Hash returns the SHA-256 of a secret, the form in which the store keeps it.
func Hash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Equal reports whether the secret hashes to want, in constant time.
func Equal(secret string, want []byte) bool {
	return subtle.ConstantTimeCompare(Hash(secret), want) == 1
}

func randomString(n int) string {
	return base64.RawURLEncoding.EncodeToString(Bytes(n))
}
