// Package conformance is Latchkey's certification-style suite: it proves,
// black-box, every item of CONFORMANCE.md (A1–I50 and the passkey annex
// W1–W6), the checklist derived from the OpenID Foundation's Basic OP,
// Config OP and RP-Initiated Logout plans, OAuth 2.0 (RFC 6749, 6750, 7009,
// 7636, 7662, 9207, 9700) and WebAuthn Level 3.
//
// Each test starts a real Latchkey (internal/testserver) on each backend
// (SQLite and PostgreSQL) and acts on it only as an outside party would:
// over HTTP, as a relying party built on coreos/go-oidc and
// golang.org/x/oauth2, as a person whose browser is a cookie jar and whose
// authenticator is a software one (internal/testpasskey), in a real
// Chromium for prompt=login (internal/testbrowser), and with raw requests
// for the adversarial cases. Setup goes through the admin service, as an
// operator's CLI would (register a client, invite a person, rotate a key);
// the store is never touched.
//
// There is one Test<Item><Name> per checklist item (TestA1DiscoveryDocument
// … TestI50LogoutWithoutRedirect, TestW1… TestW6…), each citing the spec
// sections it proves. Where Latchkey deliberately answers differently from
// what the checklist allows (PKCE for every client, error pages for
// ambiguous requests, only registered origins for CORS, …) the test says so
// and asserts Latchkey's choice. Alongside them: concurrent redemption of
// one code and of one refresh token, a golden discovery document
// (testdata/discovery.golden.json; go test -run TestDiscoveryGolden -update
// rewrites it) whose every advertised feature is probed, CORS, and
// back-channel logout.
//
// Time never passes by sleeping: expiry is tested by moving the server's
// clock (testserver.Clock.Advance). Back-channel logout, which is delivered
// asynchronously, is the one thing polled (for up to 10 seconds).
//
// The toolkit the tests share lives in this package's non-test files:
// rp.go (servers, people, clients registered through the admin service),
// walk.go (authorization requests, and walking them through the sign-in
// and consent pages as a browser would), tokens.go (token, userinfo,
// revocation and introspection requests), jwt.go (decoding, verifying and
// forging JWTs) and assert.go (error redirects and error pages).
package conformance
