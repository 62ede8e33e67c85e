// Package login is everything a person sees at Latchkey: the sign-in page
// for one OpenID Connect authorization request, the consent page of clients
// that ask for it, the enrollment page that creates a passkey from a
// one-time link, the signed-out page, the JSON endpoints those pages call
// to run WebAuthn ceremonies (github.com/go-webauthn/webauthn) and to
// record decisions, and the browser session they create.
//
// The OpenID Provider and this package never import each other. The OP's
// /authorize stores a storage.AuthRequest and sends the browser to
// /login?authRequestID=ID; this package runs the passkey ceremony, records
// the outcome on that request in the store (RecordSignIn,
// CompleteAuthRequest or FailAuthRequest) and sends the browser to
// Handler.CallbackURL, where the OP answers the client. For a client
// registered with RequireConsent the sign-in creates the session first and
// the request completes only when the person allows it on /consent (see
// consent.go).
//
// Every ceremony lives in the store, never in process memory: begin stores
// the WebAuthn session data under the SHA-256 of a random value kept in an
// HttpOnly cookie, finish consumes it exactly once whatever its outcome.
// Ceremonies expire after five minutes, enforced here (go-webauthn only
// expires sessions when told to).
//
// The JSON shapes of the endpoints are a public contract (DESIGN.md,
// "Passkey ceremonies, JSON over HTTP"); custom sign-in UIs may call them.
package login
