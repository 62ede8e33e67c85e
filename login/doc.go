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
// Self-service (selfservice.go): "Lost your passkey?" trades an email and
// a recovery code for a one-time enrollment link (recovery.go); open
// sign-up trades an email code for a new account and such a link
// (signup*.go); either link's new passkey then continues the sign-in
// (enroll_continue.go). A first passkey comes with recovery codes. The
// sign-in page also offers passkey autofill (conditional.go), and
// /.well-known/webauthn lists related origins (wellknown.go).
//
// The account page (account.go) and the passkey management API under
// /api/v1/me (api_*.go) let a person list, add, rename and remove passkeys
// and make new recovery codes, from the browser session with its CSRF
// token (csrf.go) or with an access token carrying the "passkeys" scope.
// Removals and new codes need a passkey ceremony in the last five minutes
// (stepup.go). Every ceremony obeys the operator's Policy (policy.go), and
// a sign counter that goes back flags the passkey (clone.go).
//
// The JSON shapes of the endpoints are a public contract (DESIGN.md,
// "Passkey ceremonies, JSON over HTTP"); custom sign-in UIs may call them.
package login
