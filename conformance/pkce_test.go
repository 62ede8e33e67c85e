package conformance

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/admin"
)

// kinds of client every PKCE rule applies to: Latchkey requires S256 of
// confidential clients too (RFC 9700 §2.1.1).
func bothKinds(e *env) map[string]*client {
	return map[string]*client{
		"public":       e.newClient(admin.NewClient{Public: true}),
		"confidential": e.confidential(),
	}
}

// TestC17PKCERequired proves C17: an authorization request without
// code_challenge gets an error redirect with invalid_request at the
// authorization endpoint, before any sign-in (RFC 7636 §4.4.1; RFC 9700
// §2.1.1; suite: fapi2-…-par-ensure-pkce-required). Latchkey's choice:
// required for confidential clients as well as public ones.
func TestC17PKCERequired(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		for kind, c := range bothKinds(e) {
			e.run(t, kind, func(t *testing.T) {
				a := c.authorization().del("code_challenge").del("code_challenge_method")
				out := e.authorize(e.ada, a, walkOptions{noCeremony: true})
				if out.LoginPage {
					t.Error("a request without code_challenge reached the sign-in page; the authorization endpoint must refuse it")
				}
				e.wantErrorRedirect(out, a, "invalid_request")
			})
		}
	})
}

// TestC18PlainRejected proves C18: code_challenge_method=plain, an unknown
// method, or no method at all (whose default is plain) gets invalid_request
// — Latchkey accepts S256 only (RFC 7636 §4.2, §4.3, §4.4.1; RFC 9700
// §2.1.1; suite: fapi2-…-par-plain-pkce-rejected).
func TestC18PlainRejected(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		for kind, c := range bothKinds(e) {
			for _, tc := range []struct {
				name   string
				modify func(a *authRequest)
			}{
				{"plain", func(a *authRequest) { a.set("code_challenge", a.Verifier).set("code_challenge_method", "plain") }},
				{"an unknown method", func(a *authRequest) { a.set("code_challenge_method", "S512") }},
				{"the method in lower case", func(a *authRequest) { a.set("code_challenge_method", "s256") }},
				{"no method", func(a *authRequest) { a.del("code_challenge_method") }},
			} {
				e.run(t, kind+"/"+tc.name, func(t *testing.T) {
					a := c.authorization()
					tc.modify(a)
					out := e.authorize(e.ada, a, walkOptions{noCeremony: true})
					e.wantErrorRedirect(out, a, "invalid_request")
				})
			}
		}
	})
}

// TestC19VerifierEnforced proves C19: at the token endpoint a missing or
// wrong code_verifier is invalid_grant; a malformed one (42 or 129
// characters, or a character outside [A-Za-z0-9-._~]) is refused with
// invalid_grant or invalid_request even when its S256 hash matches the
// challenge, so only the syntax check can refuse it; a valid pair succeeds
// for public and confidential clients (RFC 7636 §4.1, §4.5, §4.6; suite:
// fapi2-…-ensure-pkce-code-verifier-required,
// -incorrect-pkce-code-verifier-rejected,
// oidcc-ensure-request-with-valid-pkce-succeeds).
func TestC19VerifierEnforced(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		for kind, c := range bothKinds(e) {
			e.run(t, kind, func(t *testing.T) {
				a := c.authorization()
				code := e.code(e.ada, a)
				wantOAuthError(t, c.token(c.codeForm(code, ""), asRegistered), http.StatusBadRequest, "invalid_grant")

				a = c.authorization()
				code = e.code(e.ada, a)
				wantOAuthError(t, c.redeemResult(code, oauth2.GenerateVerifier()), http.StatusBadRequest, "invalid_grant")

				for name, verifier := range map[string]string{
					"42 characters":                          strings.Repeat("a", 42),
					"129 characters":                         strings.Repeat("b", 129),
					"a character outside the unreserved set": strings.Repeat("c", 42) + "+",
					"a space":                                strings.Repeat("d", 21) + " " + strings.Repeat("d", 21),
				} {
					a := c.authorization().set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
					code := e.code(e.ada, a)
					res := c.redeemResult(code, verifier)
					var body struct {
						Error string `json:"error"`
					}
					if res.Status == http.StatusOK {
						t.Errorf("a verifier with %s was accepted", name)
						continue
					}
					_ = json.Unmarshal(res.Body, &body)
					if res.Status != http.StatusBadRequest || (body.Error != "invalid_grant" && body.Error != "invalid_request") {
						t.Errorf("a verifier with %s: %d %s, want 400 invalid_grant or invalid_request", name, res.Status, res.Body)
					}
				}

				a = c.authorization()
				tok := c.redeem(e.code(e.ada, a), a.Verifier)
				c.verify(tok.IDToken)
			})
		}
	})
}

// TestC20PKCEDowngrade proves C20 (RFC 9700 §4.8.2, PKCE downgrade):
// Latchkey allows no authorization request without code_challenge (C17),
// so no code exists that a token request could redeem with a verifier it
// never committed to; and a code issued for an S256 challenge cannot be
// redeemed by sending the challenge itself as a "plain" verifier.
func TestC20PKCEDowngrade(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		for kind, c := range bothKinds(e) {
			e.run(t, kind, func(t *testing.T) {
				a := c.authorization().del("code_challenge").del("code_challenge_method")
				out := e.authorize(e.ada, a)
				if out.Redirect != nil && out.Redirect.Query().Get("code") != "" {
					code := out.Redirect.Query().Get("code")
					t.Errorf("a request without code_challenge got a code")
					wantOAuthError(t, c.redeemResult(code, a.Verifier), http.StatusBadRequest, "invalid_grant")
				}

				a = c.authorization()
				code := e.code(e.ada, a)
				wantOAuthError(t, c.redeemResult(code, a.get("code_challenge")), http.StatusBadRequest, "invalid_grant")
			})
		}
	})
}
