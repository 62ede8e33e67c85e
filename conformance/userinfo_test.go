package conformance

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestG39UserinfoGet proves G39: GET with a Bearer header answers 200
// application/json whose sub is the ID token's, and a scope's claims
// appear only when it was granted (OIDC Core §5.3.1, §5.3.2, §5.4; suite:
// oidcc-userinfo-get, oidcc-scope-*).
func TestG39UserinfoGet(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		for _, tc := range []struct {
			scope       string
			want, never []string
		}{
			{"openid", nil, userinfoClaims},
			{"openid email", []string{"email", "email_verified"}, []string{"name", "preferred_username"}},
			{"openid profile", []string{"name", "preferred_username"}, []string{"email", "email_verified"}},
			{"openid profile email", []string{"name", "preferred_username", "email", "email_verified"}, nil},
		} {
			e.run(t, tc.scope, func(t *testing.T) {
				tok := c.signIn(e.ada, func(a *authRequest) { a.set("scope", tc.scope) })
				res := e.userinfo(tok.AccessToken)
				if res.Status != http.StatusOK || res.mediaType() != "application/json" {
					t.Fatalf("userinfo = %d %q %s", res.Status, res.Header.Get("Content-Type"), res.Body)
				}
				claims := res.object(t)
				if claims["sub"] != claimsOf(t, tok.IDToken)["sub"] || claims["sub"] != e.adaID {
					t.Errorf("userinfo sub = %v, want the ID token's %s", claims["sub"], e.adaID)
				}
				for _, k := range tc.want {
					if _, ok := claims[k]; !ok {
						t.Errorf("scope %q: userinfo lacks %s: %v", tc.scope, k, claims)
					}
				}
				for _, k := range tc.never {
					if _, ok := claims[k]; ok {
						t.Errorf("scope %q: userinfo has %s, which was not granted", tc.scope, k)
					}
				}
				if strings.Contains(tc.scope, "email") && claims["email_verified"] != true {
					t.Errorf("email_verified = %#v, want true", claims["email_verified"])
				}
			})
		}
	})
}

// TestG40UserinfoPost proves G40: POST with a Bearer header answers 200,
// and so does POST with access_token in a form body (RFC 6750 §2.2); an
// access token in the query string is not accepted: 400 with
// WWW-Authenticate: Bearer error="invalid_request" (OIDC Core §5.3, §5.3.1;
// RFC 6750 §2.3 SHOULD NOT, §3.1; suite: oidcc-userinfo-post-header,
// oidcc-userinfo-post-body).
func TestG40UserinfoPost(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		tok := c.signIn(e.ada)

		req := request(t, http.MethodPost, e.srv.URL+"/userinfo", url.Values{})
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		if res := send(t, req); res.Status != http.StatusOK || res.object(t)["sub"] != e.adaID {
			t.Errorf("POST with a Bearer header = %d %s", res.Status, res.Body)
		}

		res := send(t, request(t, http.MethodPost, e.srv.URL+"/userinfo", url.Values{"access_token": {tok.AccessToken}}))
		if res.Status != http.StatusOK || res.object(t)["sub"] != e.adaID {
			t.Errorf("POST with access_token in the body = %d %s", res.Status, res.Body)
		}

		res = send(t, request(t, http.MethodGet, e.srv.URL+"/userinfo?access_token="+url.QueryEscape(tok.AccessToken), nil))
		if res.Status != http.StatusBadRequest {
			t.Errorf("access_token in the query = %d %s, want 400", res.Status, res.Body)
		}
		if h := res.Header.Get("WWW-Authenticate"); !bearerChallenge(h, "invalid_request") {
			t.Errorf("access_token in the query: WWW-Authenticate = %q, want Bearer error=\"invalid_request\"", h)
		}
	})
}

// TestG41UserinfoBadTokens proves G41: no token is 401 with a Bearer
// challenge; an invalid, revoked or expired token is 401 with
// WWW-Authenticate: Bearer error="invalid_token"; the scheme name is
// case-insensitive (RFC 6750 §3, §3.1; OIDC Core §5.3.3; RFC 9110 §11.1;
// suite: EnsureHttpStatusCodeIs4xx, fapi2-…-access-token-type-header-case-sensitivity).
func TestG41UserinfoBadTokens(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		tok := c.signIn(e.ada)

		for _, scheme := range []string{"bearer", "BEARER", "bEaReR"} {
			req := request(t, http.MethodGet, e.srv.URL+"/userinfo", nil)
			req.Header.Set("Authorization", scheme+" "+tok.AccessToken)
			if res := send(t, req); res.Status != http.StatusOK {
				t.Errorf("scheme %q: %d %s, want 200", scheme, res.Status, res.Body)
			}
		}

		res := send(t, request(t, http.MethodGet, e.srv.URL+"/userinfo", nil))
		if res.Status != http.StatusUnauthorized || !bearerChallenge(res.Header.Get("WWW-Authenticate"), "") {
			t.Errorf("no token: %d WWW-Authenticate %q, want 401 with a Bearer challenge", res.Status, res.Header.Get("WWW-Authenticate"))
		}

		e.wantUserinfoRefused(random()+random(), "a made-up token")
		e.wantUserinfoRefused(tok.AccessToken+"x", "a damaged token")

		revoked := c.signIn(e.ada)
		if res := c.revoke(revoked.AccessToken, "access_token"); res.Status != http.StatusOK {
			t.Fatalf("revoke = %d %s", res.Status, res.Body)
		}
		e.wantUserinfoRefused(revoked.AccessToken, "a revoked token")

		e.srv.Clock.Advance(61 * time.Minute) // access tokens live 1 h
		e.wantUserinfoRefused(tok.AccessToken, "an expired token")
	})
}
