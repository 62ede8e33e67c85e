package conformance

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey-id/latchkey/admin"
)

// TestB12Tolerance proves B12: unknown parameters are ignored, scope and
// parameter order do not matter, an unknown scope is ignored (DESIGN.md),
// and a request without state succeeds with no state in the response (RFC
// 6749 §3.1, §3.3, §4.1.2; suite:
// oidcc-ensure-request-with-unknown-parameter-succeeds,
// oidcc-alternate-happy-flow, fapi2-…-without-state-success).
func TestB12Tolerance(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		e.run(t, "unknown parameters", func(t *testing.T) {
			a := c.authorization().add("extra", "foobar").add("approval_prompt", "force")
			c.verify(c.redeem(e.code(e.ada, a), a.Verifier).IDToken)
		})
		e.run(t, "scope and parameter order", func(t *testing.T) {
			a := c.authorization().set("scope", "offline_access email openid profile")
			slices.Reverse(a.params)
			tok := c.redeem(e.code(e.ada, a), a.Verifier)
			c.verify(tok.IDToken)
			claims := e.wantUserinfo(tok.AccessToken)
			if claims["email"] != adaEmail || claims["name"] != adaName {
				t.Errorf("userinfo = %v, want the email and profile claims granted", claims)
			}
		})
		e.run(t, "an unknown scope", func(t *testing.T) {
			a := c.authorization().set("scope", "openid groups email")
			tok := c.redeem(e.code(e.ada, a), a.Verifier)
			c.verify(tok.IDToken)
			if slices.Contains(strings.Fields(tok.Scope), "groups") {
				t.Errorf("scope %q grants the unknown scope groups", tok.Scope)
			}
		})
		e.run(t, "no state", func(t *testing.T) {
			a := c.authorization().del("state")
			out := e.authorize(e.ada, a)
			if out.Redirect == nil || out.Redirect.Query().Get("code") == "" {
				t.Fatalf("a request without state failed: %v %d %.200s", out.Redirect, out.Last.Status, out.Last.Body)
			}
			if out.Redirect.Query().Has("state") {
				t.Errorf("a request without state got state back: %s", out.Redirect)
			}
			c.redeem(out.Redirect.Query().Get("code"), a.Verifier)
		})
	})
}

// TestB13DuplicateParameters proves B13: a parameter sent twice is an
// invalid_request (RFC 6749 §3.1: "Request and response parameters MUST
// NOT be included more than once"). Latchkey's choice: an error page when
// redirect_uri itself is repeated (there is no single URI to trust), an
// error redirect otherwise (without state when state itself is repeated).
// For a repeated client_id either answer is
// accepted (the redirect is safe only because both values name the same
// client), but never a code.
func TestB13DuplicateParameters(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		second := appOrigin + "/second"
		c := e.newClient(admin.NewClient{RedirectURIs: []string{appRedirect, second}})

		for _, tc := range []struct{ name, k, v string }{
			{"two nonce values", "nonce", random()},
			{"two scope values", "scope", "openid"},
			{"two response_type values", "response_type", "code"},
			{"two code_challenge values", "code_challenge", "x" + strings.Repeat("A", 42)},
			{"two code_challenge_method values", "code_challenge_method", "S256"},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				a := c.authorization()
				v := tc.v
				if v == "" {
					v = a.get(tc.k)
				}
				a.add(tc.k, v)
				e.wantErrorRedirect(e.authorize(e.ada, a, walkOptions{noCeremony: true}), a, "invalid_request")
			})
		}
		// Which state to echo when two were sent has no answer (RFC 6749
		// §4.1.2.1 asks for "the exact value received"); Latchkey echoes
		// none. An echo of the value sent twice is accepted too.
		for name, second := range map[string]string{"two identical state values": "", "two different state values": "another"} {
			e.run(t, name, func(t *testing.T) {
				a := c.authorization()
				first := a.get("state")
				if second == "" {
					second = first
				}
				a.add("state", second)
				out := e.authorize(e.ada, a, walkOptions{noCeremony: true})
				if out.Redirect == nil {
					t.Fatalf("got a page %d, want an error redirect", out.Last.Status)
				}
				q := out.Redirect.Query()
				if q.Get("error") != "invalid_request" || q.Has("code") {
					t.Errorf("%s answered %s, want error=invalid_request and no code", name, out.Redirect)
				}
				if q.Has("state") && (second != first || q.Get("state") != first) {
					t.Errorf("%s: state=%q echoed, want none (or the one value sent twice)", name, q.Get("state"))
				}
				e.wantIss(q, name)
			})
		}
		e.run(t, "two identical redirect_uri values", func(t *testing.T) {
			wantErrorPage(t, e.ada.Get(c.authorization().add("redirect_uri", appRedirect).URL()), "redirect_uri twice")
		})
		e.run(t, "two different registered redirect_uri values", func(t *testing.T) {
			wantErrorPage(t, e.ada.Get(c.authorization().add("redirect_uri", second).URL()), "two redirect_uri values")
		})
		e.run(t, "two identical client_id values", func(t *testing.T) {
			a := c.authorization()
			a.add("client_id", c.ID)
			res := e.ada.Get(a.URL())
			if res.Location == nil || withoutQuery(res.Location) != appRedirect {
				wantErrorPage(t, res, "client_id twice")
				return
			}
			e.wantErrorRedirect(e.walk(e.ada, res, walkOptions{noCeremony: true}), a, "invalid_request")
		})
	})
}

// rfc8176 are the registered authentication method reference values
// (RFC 8176 §2).
var rfc8176 = []string{"face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pwd", "rba", "retina", "sc", "sms", "swk", "tel", "user", "vbm", "wia"}

// TestB14OIDCParametersDoNotBreakTheFlow proves B14: display=page|popup,
// ui_locales, claims_locales, login_hint, acr_values and max_age=10000 are
// accepted and the flow completes; a returned acr is one requested, and amr
// holds RFC 8176 values only (OIDC Core §3.1.2.1, §15.1; RFC 8176 §2;
// suite: oidcc-display-page, -popup, -ui-locales, -claims-locales,
// -login-hint, -ensure-request-with-acr-values-succeeds).
func TestB14OIDCParametersDoNotBreakTheFlow(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		const acr = "urn:mace:incommon:iap:silver"
		for _, p := range [][2]string{
			{"display", "page"},
			{"display", "popup"},
			{"ui_locales", "fr-CA fr en"},
			{"claims_locales", "fr-CA fr en"},
			{"login_hint", adaEmail},
			{"acr_values", acr},
			{"max_age", "10000"},
		} {
			e.run(t, p[0]+"="+p[1], func(t *testing.T) {
				a := c.authorization().set(p[0], p[1])
				tok := c.redeem(e.code(e.ada, a), a.Verifier)
				claims := c.verify(tok.IDToken)
				var extra struct {
					ACR string   `json:"acr"`
					AMR []string `json:"amr"`
				}
				if err := claims.Claims(&extra); err != nil {
					t.Fatal(err)
				}
				if extra.ACR != "" && p[0] == "acr_values" && extra.ACR != acr {
					t.Errorf("acr = %q, want one of the requested %q", extra.ACR, acr)
				}
				for _, m := range extra.AMR {
					if !slices.Contains(rfc8176, m) {
						t.Errorf("amr %q is not an RFC 8176 value", m)
					}
				}
			})
		}
	})
}

// TestB15RequestObjectsNotSupported proves B15: Latchkey supports neither
// request objects nor request_uri, and says so with an error redirect —
// request_not_supported and request_uri_not_supported — rather than
// ignoring them (OIDC Core §6, §3.1.2.6; suite:
// oidcc-unsigned-request-object-…-rejected-as-unsupported,
// oidcc-request-uri-unsigned-…-rejected-as-unsupported).
func TestB15RequestObjectsNotSupported(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		a := c.authorization()
		a.set("request", unsignedRequestObject(a))
		e.wantErrorRedirect(e.authorize(e.ada, a, walkOptions{noCeremony: true}), a, "request_not_supported")

		a = c.authorization().set("request_uri", appOrigin+"/request.jwt")
		e.wantErrorRedirect(e.authorize(e.ada, a, walkOptions{noCeremony: true}), a, "request_uri_not_supported")
	})
}

var (
	allowButton = regexp.MustCompile(`(?is)<button\b[^>]*>[^<]*Allow`)
	denyButton  = regexp.MustCompile(`(?is)<button\b[^>]*>[^<]*Deny`)
)

// TestB16UserCancels proves B16: a person who cancels the passkey sign-in
// ("Return to the app") or denies consent sends the client an error
// redirect with access_denied (RFC 6749 §4.1.2.1; suite:
// fapi2-…-user-rejects-authentication). Consent: a client registered with
// Consent shows /consent?authRequestID=ID with Allow and Deny buttons; Allow
// gives a code and is remembered; a first-party client never shows it.
func TestB16UserCancels(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		e.run(t, "cancel the sign-in", func(t *testing.T) {
			a := c.authorization()
			e.wantErrorRedirect(e.cancelSignIn(e.ada, a), a, "access_denied")
		})

		e.run(t, "a first-party client shows no consent page", func(t *testing.T) {
			out := e.authorize(e.ada, c.authorization())
			if out.ConsentID != "" {
				t.Errorf("a client registered without Consent showed the consent page")
			}
		})

		consenting := e.newClient(admin.NewClient{Consent: true})
		e.run(t, "deny consent", func(t *testing.T) {
			a := consenting.authorization()
			out := e.authorize(e.ada, a, walkOptions{consent: "deny"})
			if out.ConsentID == "" {
				t.Fatalf("a client registered with Consent showed no consent page; ended at %v", out.Redirect)
			}
			e.wantErrorRedirect(out, a, "access_denied")
		})
		e.run(t, "allow consent", func(t *testing.T) {
			a := consenting.authorization()
			out := e.authorize(e.ada, a)
			if out.ConsentID == "" {
				t.Fatalf("a client registered with Consent showed no consent page; ended at %v", out.Redirect)
			}
			if !allowButton.Match(out.Last.Body) || !denyButton.Match(out.Last.Body) {
				t.Errorf("the consent page has no Allow and Deny buttons: %.500s", out.Last.Body)
			}
			out = e.walk(e.ada, e.ada.Get(e.consentDecision(e.ada, out.Last, out.ConsentID, "allow")))
			consenting.redeem(e.codeOf(out, a), a.Verifier)

			again := consenting.authorization()
			out = e.authorize(e.ada, again)
			if out.ConsentID != "" {
				t.Error("consent was asked again for the same client and scopes")
			}
			e.codeOf(out, again)
		})
	})
}
