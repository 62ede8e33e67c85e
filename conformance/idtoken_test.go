package conformance

import (
	"slices"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/admin"
)

// userinfoClaims are the profile and email claims Latchkey emits.
var userinfoClaims = []string{"name", "preferred_username", "updated_at", "email", "email_verified"}

// audience returns the aud claim as a list (it may be a string).
func audience(t testing.TB, claims map[string]any) []string {
	t.Helper()
	switch v := claims["aud"].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, a := range v {
			s, _ := a.(string)
			out = append(out, s)
		}
		return out
	}
	t.Fatalf("aud = %#v, want a string or an array", claims["aud"])
	return nil
}

// TestE30IDTokenClaims proves E30: iss is the issuer; aud contains the
// client (azp = client when there are several audiences); exp is in the
// future and in seconds; iat is not in the future; sub is present, at most
// 255 ASCII characters, stable for the person and never reassigned — a
// person deleted and invited again with the same email is a new subject
// (OIDC Core §2, §3.1.3.7; suite: ValidateIdToken, CheckForSubjectInIdToken).
// By default the profile and email claims go to userinfo only (OIDC Core
// §5.4; suite: EnsureIdTokenDoesNotContainName); a client registered with
// IDTokenClaims gets them in the ID token too. sid names the session (OIDC
// Front/Back-Channel Logout §2.1).
func TestE30IDTokenClaims(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		now := e.srv.Clock.Now().Unix()
		tok := c.signIn(e.ada)
		claims := claimsOf(t, tok.IDToken)

		if claims["iss"] != e.srv.URL {
			t.Errorf("iss = %#v, want %s", claims["iss"], e.srv.URL)
		}
		aud := audience(t, claims)
		if !slices.Contains(aud, c.ID) {
			t.Errorf("aud = %q lacks the client %s", aud, c.ID)
		}
		if azp, ok := claims["azp"]; (len(aud) > 1 || ok) && azp != c.ID {
			t.Errorf("azp = %#v, want %s", azp, c.ID)
		}
		if exp := num(t, claims, "exp"); exp <= now || exp > now+24*3600 {
			t.Errorf("exp = %d, want a time in seconds after %d", exp, now)
		}
		if iat := num(t, claims, "iat"); iat > e.srv.Clock.Now().Unix()+1 || iat < now-1 {
			t.Errorf("iat = %d, want the time of issue (now %d)", iat, now)
		}
		sub := str(claims, "sub")
		if sub != e.adaID || len(sub) == 0 || len(sub) > 255 {
			t.Errorf("sub = %q, want Ada's subject %q (1–255 characters)", sub, e.adaID)
		}
		for _, r := range sub {
			if r > 0x7E || r < 0x21 {
				t.Errorf("sub %q holds %q, not printable ASCII", sub, r)
			}
		}
		if str(claims, "sid") == "" {
			t.Errorf("no sid in the ID token: %v", claims)
		}
		for _, k := range userinfoClaims {
			if _, ok := claims[k]; ok {
				t.Errorf("the ID token carries %s although an access token was issued (OIDC Core §5.4)", k)
			}
		}
		if again := claimsOf(t, c.signIn(e.ada).IDToken); again["sub"] != sub {
			t.Errorf("sub changed between sign-ins: %v, then %v", sub, again["sub"])
		}

		e.run(t, "IDTokenClaims puts the profile and email claims in the ID token", func(t *testing.T) {
			withClaims := e.newClient(admin.NewClient{IDTokenClaims: true})
			claims := claimsOf(t, withClaims.signIn(e.ada).IDToken)
			for k, want := range map[string]any{"name": adaName, "email": adaEmail, "email_verified": true, "preferred_username": adaEmail} {
				if claims[k] != want {
					t.Errorf("%s = %#v, want %#v", k, claims[k], want)
				}
			}
		})

		e.run(t, "a subject is never reassigned", func(t *testing.T) {
			if _, err := e.srv.Admin.DeleteUser(e.ctx, adaEmail); err != nil {
				t.Fatal(err)
			}
			p, id := e.enroll(adaEmail, adaName)
			newSub := str(claimsOf(t, c.signIn(p).IDToken), "sub")
			if newSub == sub || newSub != id {
				t.Errorf("the new Ada has sub %q (old %q, user id %q), want a new subject", newSub, sub, id)
			}
		})
	})
}

// TestE31Nonce proves E31: the nonce comes back exactly as sent; a code
// flow request without nonce succeeds and its ID token has no nonce (OIDC
// Core §2, §3.1.2.1, §3.1.3.7 step 11; suite: ValidateIdTokenNonce,
// oidcc-ensure-request-without-nonce-succeeds-for-code-flow).
func TestE31Nonce(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		const nonce = "n-0 S+/=~ \"quoted\" & <tag>"
		tok := c.signIn(e.ada, func(a *authRequest) { a.set("nonce", nonce) })
		if got := c.verify(tok.IDToken).Nonce; got != nonce {
			t.Errorf("nonce = %q, want %q", got, nonce)
		}
		tok = c.signIn(e.ada, func(a *authRequest) { a.del("nonce") })
		if _, ok := claimsOf(t, tok.IDToken)["nonce"]; ok {
			t.Errorf("a request without nonce got an ID token with nonce %v", claimsOf(t, tok.IDToken)["nonce"])
		}
	})
}

// TestE32AtHash proves E32: at_hash is always present with an access token
// and is base64url of the left half of SHA-256 of the access token, for
// RS256 and ES256 ID tokens and after a refresh; a c_hash, if any, follows
// the same rule for the code (OIDC Core §3.1.3.6, §3.3.2.11; suite:
// ExtractAtHash, ValidateAtHash).
func TestE32AtHash(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		for _, alg := range []string{"RS256", "ES256"} {
			e.run(t, alg, func(t *testing.T) {
				c := e.newClient(admin.NewClient{IDTokenAlg: alg})
				a := c.authorization()
				code := e.code(e.ada, a)
				tok := c.redeem(code, a.Verifier)
				refreshed := c.refresh(tok.RefreshToken)
				for what, tk := range map[string]tokens{"code grant": tok, "refresh grant": refreshed} {
					claims := claimsOf(t, tk.IDToken)
					if got, want := str(claims, "at_hash"), leftHalfHash(tk.AccessToken); got != want {
						t.Errorf("%s: at_hash = %q, want %q", what, got, want)
					}
					if ch, ok := claims["c_hash"]; ok && what == "code grant" && ch != leftHalfHash(code) {
						t.Errorf("c_hash = %v, want %s", ch, leftHalfHash(code))
					}
				}
			})
		}
	})
}

// TestE33AuthTime proves E33: auth_time is the time of the passkey
// ceremony, not of token issue — an ID token issued later by single
// sign-on, or from a code redeemed later, keeps it — and it is present
// when max_age was sent (OIDC Core §2, §3.1.2.1; suite:
// CheckIdTokenAuthTimeClaimPresentDueToMaxAge).
func TestE33AuthTime(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		before := e.srv.Clock.Now().Unix()
		a := c.authorization()
		out := e.authorize(e.ada, a)
		after := e.srv.Clock.Now().Unix()
		if out.Ceremonies != 1 {
			t.Fatalf("ceremonies = %d, want 1", out.Ceremonies)
		}
		code := e.codeOf(out, a)
		// zitadel stamps iat with the wall clock, not the server's movable
		// one, so real time passes here: the token is issued at least a
		// whole second after the ceremony.
		time.Sleep(1100 * time.Millisecond)
		claims := claimsOf(t, c.redeem(code, a.Verifier).IDToken)
		authTime := num(t, claims, "auth_time")
		if authTime < before || authTime > after {
			t.Errorf("auth_time = %d, want the ceremony's time in [%d, %d]", authTime, before, after)
		}
		if iat := num(t, claims, "iat"); iat <= authTime {
			t.Errorf("iat = %d: a code redeemed after the ceremony at %d must not move auth_time to it", iat, authTime)
		}

		e.srv.Clock.Advance(10 * time.Minute)
		a = c.authorization().set("max_age", "10000")
		out = e.authorize(e.ada, a)
		if out.Ceremonies != 0 {
			t.Errorf("single sign-on ran %d ceremonies", out.Ceremonies)
		}
		claims = claimsOf(t, c.redeem(e.codeOf(out, a), a.Verifier).IDToken)
		if _, ok := claims["auth_time"]; !ok {
			t.Fatal("no auth_time although max_age was sent")
		}
		if got := num(t, claims, "auth_time"); got != authTime {
			t.Errorf("auth_time after single sign-on = %d, want the ceremony's %d", got, authTime)
		}
	})
}
