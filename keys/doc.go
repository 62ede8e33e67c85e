// Package keys owns Latchkey's token signing keys: it generates them,
// encrypts them at rest under the master key, publishes their public halves
// and hands the OP the key that signs now.
//
// A private key never reaches the store in clear: it is sealed with
// AES-256-GCM under LATCHKEY_MASTER_KEY, with the key id and algorithm as
// additional data so a sealed key cannot be swapped onto another row. The
// key id is the RFC 7638 JWK thumbprint (SHA-256, base64url).
//
// Replicas share keys through the store. Generation happens outside any
// transaction; the store's compare-and-swap (AddSigningKey,
// RotateSigningKey) decides which replica's key wins, and the others adopt
// it. Decrypted keys are cached for a short interval so signing a token
// costs no query, and a key added by another replica is seen within it.
package keys
