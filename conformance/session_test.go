package conformance

import (
	"net/http"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
)

// TestF34PromptNoneWithoutSession proves F34: prompt=none in a browser with
// no OP session gets an error redirect with login_required, never a page
// (OIDC Core §3.1.2.1, §3.1.2.6; suite: oidcc-prompt-none-not-logged-in).
// With a session but a client whose consent is still missing, prompt=none
// gets consent_required.
func TestF34PromptNoneWithoutSession(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		stranger := testpasskey.New(t, e.srv.URL)
		a := c.authorization().set("prompt", "none")
		out := e.authorize(stranger, a, walkOptions{noCeremony: true})
		if out.LoginPage {
			t.Error("prompt=none showed the sign-in page")
		}
		e.wantErrorRedirect(out, a, "login_required")

		e.run(t, "consent still missing", func(t *testing.T) {
			c.signIn(e.ada) // a session
			consenting := e.newClient(admin.NewClient{Consent: true})
			a := consenting.authorization().set("prompt", "none")
			out := e.authorize(e.ada, a, walkOptions{noCeremony: true})
			if out.ConsentID != "" || out.LoginPage {
				t.Error("prompt=none showed a page")
			}
			e.wantErrorRedirect(out, a, "consent_required")
		})
	})
}

// TestF35PromptNoneWithSession proves F35: prompt=none with an OP session
// answers a code without any page or ceremony, for the same sub and with
// the same auth_time (OIDC Core §3.1.2.1, §3.1.2.3; suite:
// oidcc-prompt-none-logged-in); the response carries iss (RFC 9207 §2).
func TestF35PromptNoneWithSession(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		first := claimsOf(t, c.signIn(e.ada).IDToken)
		e.srv.Clock.Advance(5 * time.Second)

		a := c.authorization().set("prompt", "none")
		out := e.authorize(e.ada, a, walkOptions{noCeremony: true})
		if out.LoginPage || out.Ceremonies != 0 {
			t.Errorf("prompt=none with a session showed the sign-in page")
		}
		code := e.codeOf(out, a)
		e.wantIss(out.Redirect.Query(), "prompt=none response")
		second := claimsOf(t, c.redeem(code, a.Verifier).IDToken)
		if second["sub"] != first["sub"] || num(t, second, "auth_time") != num(t, first, "auth_time") {
			t.Errorf("sub/auth_time = %v/%v, want %v/%v", second["sub"], second["auth_time"], first["sub"], first["auth_time"])
		}
	})
}

// TestF36PromptLogin proves F36: prompt=login with an OP session makes the
// person perform a new passkey ceremony (a new WebAuthn get(): the sign
// count the server accepted grows), and the new auth_time is later; prompt
// "none login" is invalid_request (OIDC Core §3.1.2.1; suite:
// oidcc-prompt-login). TestF36PromptLoginInABrowser proves the same in
// Chromium.
func TestF36PromptLogin(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		first := claimsOf(t, c.signIn(e.ada).IDToken)
		counter := e.ada.Counter
		e.srv.Clock.Advance(5 * time.Second)

		a := c.authorization().set("prompt", "login")
		out := e.authorize(e.ada, a)
		if out.Ceremonies != 1 || e.ada.Counter != counter+1 {
			t.Errorf("prompt=login ran %d ceremonies (sign count %d → %d), want exactly one new get()", out.Ceremonies, counter, e.ada.Counter)
		}
		second := claimsOf(t, c.redeem(e.codeOf(out, a), a.Verifier).IDToken)
		if num(t, second, "auth_time") <= num(t, first, "auth_time") {
			t.Errorf("auth_time %v after prompt=login is not later than %v", second["auth_time"], first["auth_time"])
		}
		if second["sub"] != first["sub"] {
			t.Errorf("sub changed: %v → %v", first["sub"], second["sub"])
		}

		a = c.authorization().set("prompt", "none login")
		e.wantErrorRedirect(e.authorize(e.ada, a, walkOptions{noCeremony: true}), a, "invalid_request")
	})
}

// TestF37MaxAge proves F37: max_age=1 two seconds after the ceremony
// requires a new one and gives a later auth_time; max_age=10000 requires
// none and keeps auth_time; max_age=0 acts as prompt=login (OIDC Core
// §3.1.2.1, §2; suite: oidcc-max-age-1, oidcc-max-age-10000).
func TestF37MaxAge(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		authTime := num(t, claimsOf(t, c.signIn(e.ada).IDToken), "auth_time")

		step := func(maxAge string, wantCeremonies int) int64 {
			t.Helper()
			a := c.authorization().set("max_age", maxAge)
			out := e.authorize(e.ada, a)
			if out.Ceremonies != wantCeremonies {
				t.Errorf("max_age=%s: %d ceremonies, want %d", maxAge, out.Ceremonies, wantCeremonies)
			}
			claims := claimsOf(t, c.redeem(e.codeOf(out, a), a.Verifier).IDToken)
			if _, ok := claims["auth_time"]; !ok {
				t.Fatalf("max_age=%s: no auth_time", maxAge)
			}
			return num(t, claims, "auth_time")
		}

		e.srv.Clock.Advance(2 * time.Second)
		later := step("1", 1)
		if later <= authTime {
			t.Errorf("max_age=1: auth_time %d, want later than %d", later, authTime)
		}
		e.srv.Clock.Advance(2 * time.Second)
		if got := step("10000", 0); got != later {
			t.Errorf("max_age=10000: auth_time %d, want it unchanged (%d)", got, later)
		}
		e.srv.Clock.Advance(2 * time.Second)
		if got := step("0", 1); got <= later {
			t.Errorf("max_age=0: auth_time %d, want later than %d", got, later)
		}
	})
}

// TestF38IDTokenHint proves F38: prompt=none with an id_token_hint for the
// session's person succeeds with the same sub, also when the hint has
// expired (it is still ours); a hint for another person gets
// login_required (no silent switch of users); a hint signed by another
// key, or re-signed with alg none, is an error and never a code (OIDC Core
// §3.1.2.1 id_token_hint, §3.1.2.2, §3.1.2.6; suite: oidcc-id-token-hint).
func TestF38IDTokenHint(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		hint := c.signIn(e.ada).IDToken

		silent := func(hint string) outcome {
			t.Helper()
			a := c.authorization().set("prompt", "none").set("id_token_hint", hint)
			return e.authorize(e.ada, a, walkOptions{noCeremony: true})
		}

		a := c.authorization().set("prompt", "none").set("id_token_hint", hint)
		sub := claimsOf(t, c.redeem(e.code(e.ada, a, walkOptions{noCeremony: true}), a.Verifier).IDToken)["sub"]
		if sub != e.adaID {
			t.Errorf("sub = %v, want Ada's %s", sub, e.adaID)
		}

		e.run(t, "an expired hint of ours", func(t *testing.T) {
			e.srv.Clock.Advance(2 * time.Hour) // ID tokens live 1 h; the session 12 h
			wantExpired(t, e, hint)
			a := c.authorization().set("prompt", "none").set("id_token_hint", hint)
			claims := claimsOf(t, c.redeem(e.code(e.ada, a, walkOptions{noCeremony: true}), a.Verifier).IDToken)
			if claims["sub"] != e.adaID {
				t.Errorf("sub = %v, want Ada's", claims["sub"])
			}
		})

		e.run(t, "a hint for another person", func(t *testing.T) {
			bob, _ := e.enroll("bob@example.com", "Bob")
			bobHint := c.signIn(bob).IDToken
			a := c.authorization().set("prompt", "none").set("id_token_hint", bobHint)
			e.wantErrorRedirect(e.authorize(e.ada, a, walkOptions{noCeremony: true}), a, "login_required")
		})

		for name, forged := range map[string]string{
			"a hint signed by another key":   forgeForeign(t, hint),
			"a hint re-signed with alg none": forgeUnsigned(t, hint),
		} {
			e.run(t, name, func(t *testing.T) {
				out := silent(forged)
				if out.Redirect == nil {
					if out.Last.Status != http.StatusBadRequest {
						t.Errorf("answered %d, want an error redirect or a 400 error page", out.Last.Status)
					}
					return
				}
				q := out.Redirect.Query()
				if q.Get("error") == "" || q.Has("code") {
					t.Errorf("a forged hint answered %s, want an error and no code", out.Redirect)
				}
			})
		}
	})
}

// wantExpired checks that an ID token has expired by the server's clock,
// so that a test using it as an expired hint proves something.
func wantExpired(t testing.TB, e *env, idToken string) {
	t.Helper()
	if exp, now := num(t, claimsOf(t, idToken), "exp"), e.srv.Clock.Now().Unix(); exp >= now {
		t.Errorf("the hint has not expired by the server's clock (exp %d, now %d)", exp, now)
	}
}
