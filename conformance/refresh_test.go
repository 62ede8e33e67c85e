package conformance

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/admin"
)

// TestH42RefreshGrant proves H42: a refresh answers with no-store headers
// and a new, different access token; its ID token keeps iss, sub, aud, azp
// and auth_time, has a new iat and no nonce; narrowing the scope works and
// narrows what the new access token reaches; widening it is invalid_scope
// (RFC 6749 §5.1, §6; OIDC Core §12.1, §12.2; suite: oidcc-refresh-token,
// CompareIdTokenClaims, EnsureAccessTokenValuesAreDifferent).
func TestH42RefreshGrant(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		tok := c.signIn(e.ada)
		first := claimsOf(t, tok.IDToken)
		if str(first, "nonce") == "" {
			t.Fatal("the first ID token has no nonce to lose")
		}
		// iat comes from the wall clock (zitadel), in whole seconds: let a
		// real second pass so "a new iat" is observable.
		time.Sleep(1100 * time.Millisecond)

		res := c.refreshResult(tok.RefreshToken, "")
		wantNoStore(t, res)
		next := c.wantTokens(res)
		if next.AccessToken == tok.AccessToken {
			t.Error("the refresh returned the same access token")
		}
		if next.IDToken == "" {
			t.Fatal("the refresh returned no ID token")
		}
		c.verify(next.IDToken)
		second := claimsOf(t, next.IDToken)
		for _, k := range []string{"iss", "sub", "azp", "auth_time"} {
			if second[k] != first[k] {
				t.Errorf("refreshed ID token %s = %v, want %v", k, second[k], first[k])
			}
		}
		if !slices.Equal(audience(t, second), audience(t, first)) {
			t.Errorf("refreshed aud = %v, want %v", second["aud"], first["aud"])
		}
		if num(t, second, "iat") <= num(t, first, "iat") {
			t.Errorf("refreshed iat %v is not newer than %v", second["iat"], first["iat"])
		}
		if _, ok := second["nonce"]; ok {
			t.Errorf("the refreshed ID token carries nonce %v (OIDC Core §12.2)", second["nonce"])
		}

		e.run(t, "narrowing the scope", func(t *testing.T) {
			res := c.refreshResult(next.RefreshToken, "openid offline_access")
			narrowed := c.wantTokens(res)
			if narrowed.Scope != "" && slices.Contains(strings.Fields(narrowed.Scope), "email") {
				t.Errorf("narrowed scope = %q still holds email", narrowed.Scope)
			}
			claims := e.wantUserinfo(narrowed.AccessToken)
			if _, ok := claims["email"]; ok {
				t.Errorf("the narrowed access token still reaches email: %v", claims)
			}
		})

		e.run(t, "widening the scope", func(t *testing.T) {
			small := c.signIn(e.ada, func(a *authRequest) { a.set("scope", "openid offline_access") })
			wantOAuthError(t, c.refreshResult(small.RefreshToken, "openid offline_access email"), http.StatusBadRequest, "invalid_scope")
		})
	})
}

// TestH43RefreshBoundToClient proves H43: client B cannot use client A's
// refresh token (invalid_grant), and a confidential client refreshing
// without authenticating, or with a wrong secret, is invalid_client (RFC
// 6749 §6, §10.4, §5.2; suite: oidcc-refresh-token, fapi2-…-refresh-token).
func TestH43RefreshBoundToClient(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		a := e.confidential()
		b := e.newClient(admin.NewClient{RedirectURIs: []string{otherRedirect}})
		tok := a.signIn(e.ada)

		wantOAuthError(t, b.refreshResult(tok.RefreshToken, ""), http.StatusBadRequest, "invalid_grant")

		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
		wantOAuthError(t, a.token(form, noAuth), http.StatusUnauthorized, "invalid_client")
		req := request(t, http.MethodPost, e.srv.URL+"/oauth/token", form)
		req.Header.Set("Authorization", basic(a.ID, "wrong-secret"))
		res := send(t, req)
		wantOAuthError(t, res, http.StatusUnauthorized, "invalid_client")
		wantBasicChallenge(t, res, "refresh with a wrong secret")
	})
}

// TestH44RotationAndReplay proves H44: every refresh rotates the refresh
// token; the spent one is then invalid_grant, and replaying it revokes the
// whole family — the newest refresh token fails too and the newest access
// token gets 401 at userinfo. Public clients are rotated as well (RFC 9700
// §2.2.2, §4.14.2; RFC 6749 §10.4).
func TestH44RotationAndReplay(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		for _, nc := range []admin.NewClient{{}, {Public: true}} {
			kind := map[bool]string{false: "confidential", true: "public"}[nc.Public]
			e.run(t, kind, func(t *testing.T) {
				c := e.newClient(nc)
				tok := c.signIn(e.ada)
				next := c.refresh(tok.RefreshToken)
				if next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken {
					t.Fatalf("the refresh did not rotate the refresh token (%q)", next.RefreshToken)
				}
				e.wantUserinfo(next.AccessToken)
				wantOAuthError(t, c.refreshResult(tok.RefreshToken, ""), http.StatusBadRequest, "invalid_grant")
				wantOAuthError(t, c.refreshResult(next.RefreshToken, ""), http.StatusBadRequest, "invalid_grant")
				e.wantUserinfoRefused(next.AccessToken, "the newest access token after a replay")
			})
		}
	})
}

// TestH45Revocation proves H45: revocation with client authentication
// answers 200 — also for an unknown or already revoked token; a revoked
// access token gets 401 at userinfo; revoking a refresh token revokes its
// access tokens; client B revoking A's tokens is refused with an OAuth
// error and A's tokens stay valid; no client authentication is 401
// invalid_client (RFC 7009 §2.1, §2.2, §2.2.1).
func TestH45Revocation(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		b := e.newClient(admin.NewClient{RedirectURIs: []string{otherRedirect}})

		tok := c.signIn(e.ada)
		for _, what := range []string{"an access token", "the same token again"} {
			if res := c.revoke(tok.AccessToken, "access_token"); res.Status != http.StatusOK {
				t.Errorf("revoking %s = %d %s, want 200", what, res.Status, res.Body)
			}
		}
		e.wantUserinfoRefused(tok.AccessToken, "a revoked access token")
		for _, hint := range []string{"", "access_token", "refresh_token"} {
			if res := c.revoke(random()+random(), hint); res.Status != http.StatusOK {
				t.Errorf("revoking an unknown token (hint %q) = %d %s, want 200", hint, res.Status, res.Body)
			}
		}

		tok = c.signIn(e.ada)
		if res := c.revoke(tok.RefreshToken, "refresh_token"); res.Status != http.StatusOK {
			t.Errorf("revoking a refresh token = %d %s", res.Status, res.Body)
		}
		wantOAuthError(t, c.refreshResult(tok.RefreshToken, ""), http.StatusBadRequest, "invalid_grant")
		e.wantUserinfoRefused(tok.AccessToken, "the access token of a revoked refresh token")

		e.run(t, "another client's tokens", func(t *testing.T) {
			tok := c.signIn(e.ada)
			for name, token := range map[string]string{"access token": tok.AccessToken, "refresh token": tok.RefreshToken} {
				res := b.revoke(token, "")
				if res.Status < 400 || res.Status >= 500 {
					t.Errorf("client B revoking A's %s = %d %s, want a 4xx refusal", name, res.Status, res.Body)
				} else if body := res.object(t); str(body, "error") == "" {
					t.Errorf("client B revoking A's %s: no OAuth error in %s", name, res.Body)
				}
			}
			e.wantUserinfo(tok.AccessToken)
			c.refresh(tok.RefreshToken)
		})

		e.run(t, "no client authentication", func(t *testing.T) {
			tok := c.signIn(e.ada)
			res := send(t, request(t, http.MethodPost, e.srv.URL+"/revoke", url.Values{"token": {tok.AccessToken}}))
			wantOAuthError(t, res, http.StatusUnauthorized, "invalid_client")
			e.wantUserinfo(tok.AccessToken)
		})
	})
}

// TestH46Introspection proves H46: introspection requires the caller to
// authenticate (401 without); an active token is described by active,
// scope, client_id, sub, exp, iat, iss and token_type; an expired, revoked,
// unknown or foreign token gets exactly {"active":false} (RFC 7662 §2.1,
// §2.2, §2.3, §4). Latchkey's choice: a client introspects only tokens
// issued to it, so "foreign" is another client's token.
func TestH46Introspection(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		b := e.newClient(admin.NewClient{RedirectURIs: []string{otherRedirect}})
		tok := c.signIn(e.ada)

		res := send(t, request(t, http.MethodPost, e.srv.URL+"/oauth/introspect", url.Values{"token": {tok.AccessToken}}))
		if res.Status != http.StatusUnauthorized {
			t.Errorf("introspection without authentication = %d %s, want 401", res.Status, res.Body)
		}

		res = c.introspect(tok.AccessToken)
		if res.Status != http.StatusOK || res.mediaType() != "application/json" {
			t.Fatalf("introspect = %d %q %s", res.Status, res.Header.Get("Content-Type"), res.Body)
		}
		body := res.object(t)
		now := e.srv.Clock.Now().Unix()
		if body["active"] != true || body["client_id"] != c.ID || body["sub"] != e.adaID || body["iss"] != e.srv.URL {
			t.Errorf("active token = %s", res.Body)
		}
		if !strings.EqualFold(str(body, "token_type"), "Bearer") {
			t.Errorf("token_type = %#v, want Bearer", body["token_type"])
		}
		if scope := strings.Fields(str(body, "scope")); !slices.Contains(scope, "openid") || !slices.Contains(scope, "email") {
			t.Errorf("scope = %#v, want the space-separated granted scopes", body["scope"])
		}
		if exp := num(t, body, "exp"); exp <= now {
			t.Errorf("exp = %d, want after %d", exp, now)
		}
		if iat := num(t, body, "iat"); iat > now+1 {
			t.Errorf("iat = %d, want before %d", iat, now)
		}

		inactive := func(res httpResult, what string) {
			t.Helper()
			if res.Status != http.StatusOK || strings.TrimSpace(string(res.Body)) != `{"active":false}` {
				if res.Status == http.StatusOK {
					if m := res.object(t); len(m) == 1 && m["active"] == false {
						return // the same object, spaced differently
					}
				}
				t.Errorf("%s: %d %s, want exactly {\"active\":false}", what, res.Status, res.Body)
			}
		}
		inactive(b.introspect(tok.AccessToken), "another client's token")
		inactive(c.introspect(random()+random()), "an unknown token")
		revoked := c.signIn(e.ada)
		c.revoke(revoked.AccessToken, "access_token")
		inactive(c.introspect(revoked.AccessToken), "a revoked token")
		e.srv.Clock.Advance(61 * time.Minute)
		inactive(c.introspect(tok.AccessToken), "an expired token")
	})
}
