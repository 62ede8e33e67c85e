// Package op is Latchkey's OpenID Provider: github.com/zitadel/oidc/v3's
// op.Provider wired to Latchkey's store and keys, plus the parts the
// library leaves to us.
//
// The library parses and answers the protocol; this package decides what
// is true: which clients exist, what an authorization request holds, that a
// code is redeemed once (zitadel deletes the request only after minting
// tokens, so single use is enforced here, atomically in the store), that a
// refresh token rotates and a replay revokes its grant, which claims a
// person has, and which key signs.
//
// The sign-in itself happens in package login. The two never import each
// other: /authorize stores the request and sends the browser to the login
// page; login records the outcome on the stored request and sends the
// browser to CallbackURL, where this package answers the client.
//
// Errors returned to zitadel are always *oidc.Error with a client-safe
// description: the library copies an unknown error's text into responses.
package op
