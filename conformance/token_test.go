package conformance

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/admin"
)

// wantNoStore checks the caching headers of a response that carries tokens
// (RFC 6749 §5.1: Cache-Control no-store, Pragma no-cache).
func wantNoStore(t testing.TB, res httpResult) {
	t.Helper()
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(strings.ToLower(cc), "no-store") {
		t.Errorf("Cache-Control = %q, want no-store (RFC 6749 §5.1)", cc)
	}
	if p := res.Header.Get("Pragma"); !strings.EqualFold(p, "no-cache") {
		t.Errorf("Pragma = %q, want no-cache (RFC 6749 §5.1)", p)
	}
}

// TestD21TokenSuccessResponse proves D21: a code redeemed at the token
// endpoint answers 200 application/json with Cache-Control: no-store and
// Pragma: no-cache, token_type Bearer, an access_token, an id_token, an
// integer expires_in and (with offline_access) a refresh_token (RFC 6749
// §5.1; OIDC Core §3.1.3.3; suite: oidcc-server,
// CheckTokenEndpointCacheHeaders, ValidateExpiresIn); x/oauth2 reads it.
func TestD21TokenSuccessResponse(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		a := c.authorization()
		res := c.redeemResult(e.code(e.ada, a), a.Verifier)
		if res.Status != http.StatusOK || res.mediaType() != "application/json" {
			t.Fatalf("token = %d %q %s", res.Status, res.Header.Get("Content-Type"), res.Body)
		}
		wantNoStore(t, res)
		body := res.object(t)
		if body["token_type"] != "Bearer" {
			t.Errorf("token_type = %#v, want Bearer", body["token_type"])
		}
		for _, k := range []string{"access_token", "id_token", "refresh_token"} {
			if s, _ := body[k].(string); s == "" {
				t.Errorf("%s missing from %s", k, res.Body)
			}
		}
		if n := num(t, body, "expires_in"); n <= 0 || n > 24*3600 {
			t.Errorf("expires_in = %d, want a positive number of seconds", n)
		}

		// The same through x/oauth2, as a relying party would.
		a = c.authorization()
		tok, err := c.oauth.Exchange(context.Background(), e.code(e.ada, a), oauth2.VerifierOption(a.Verifier))
		if err != nil {
			t.Fatalf("x/oauth2 exchange: %v", err)
		}
		if tok.Type() != "Bearer" || tok.AccessToken == "" || tok.RefreshToken == "" || tok.Expiry.IsZero() {
			t.Errorf("x/oauth2 token = %+v", tok)
		}
		raw, _ := tok.Extra("id_token").(string)
		c.verify(raw)
	})
}

// TestD22ClientAuthentication proves D22: client_secret_basic and
// client_secret_post both authenticate a confidential client; Basic
// credentials are form-urlencoded before base64, so a client id and secret
// sent with every character percent-encoded still authenticate (RFC 6749
// §2.3.1; OIDC Core §9; suite: oidcc-server, oidcc-server-client-secret-post).
// Latchkey's client ids and secrets are base64url, so ':', '%' and '+'
// cannot occur in them; the percent-encoded form proves the decoding.
func TestD22ClientAuthentication(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		for _, how := range []clientAuth{basicAuth, postAuth} {
			a := c.authorization()
			res := c.token(c.codeForm(e.code(e.ada, a), a.Verifier), how)
			if res.Status != http.StatusOK {
				t.Errorf("client_secret_%s: %d %s", map[clientAuth]string{basicAuth: "basic", postAuth: "post"}[how], res.Status, res.Body)
			}
		}

		a := c.authorization()
		req := request(t, http.MethodPost, e.srv.URL+"/oauth/token", c.codeForm(e.code(e.ada, a), a.Verifier))
		req.Header.Set("Authorization", basic(percentEncodeAll(c.ID), percentEncodeAll(c.Secret)))
		if res := send(t, req); res.Status != http.StatusOK {
			t.Errorf("Basic credentials percent-encoded throughout: %d %s", res.Status, res.Body)
		}

		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			cfg := c.oauth
			cfg.Endpoint.AuthStyle = style
			a := c.authorization()
			if _, err := cfg.Exchange(context.Background(), e.code(e.ada, a), oauth2.VerifierOption(a.Verifier)); err != nil {
				t.Errorf("x/oauth2 with auth style %d: %v", style, err)
			}
		}
	})
}

func percentEncodeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// wantBasicChallenge checks the WWW-Authenticate header of a 401 after HTTP
// Basic (RFC 6749 §5.2; RFC 7617 §2).
func wantBasicChallenge(t testing.TB, res httpResult, why string) {
	t.Helper()
	h := res.Header.Get("WWW-Authenticate")
	scheme, params, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") || !strings.Contains(params, `realm="`) {
		t.Errorf("%s: WWW-Authenticate = %q, want Basic realm=\"…\"", why, h)
	}
}

// TestD23BadClientAuthentication proves D23: a wrong secret, an unknown
// client, no credentials for a confidential client, or a secret from a
// public client is 401 invalid_client, with WWW-Authenticate: Basic when
// Basic was used; Basic and a body secret together are invalid_request
// (RFC 6749 §2.3, §2.3.1, §5.2).
func TestD23BadClientAuthentication(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		pub := e.newClient(admin.NewClient{Public: true})

		for _, tc := range []struct {
			name string
			c    *client
			// body holds the credentials sent in the form, authorization
			// the Authorization header.
			body          url.Values
			authorization string
			status        int
			code          string
		}{
			{"a wrong secret by Basic", c, nil, basic(c.ID, "wrong-secret"), http.StatusUnauthorized, "invalid_client"},
			{"an unknown client by Basic", c, nil, basic("no-such-client", c.Secret), http.StatusUnauthorized, "invalid_client"},
			{"a wrong secret in the body", c, url.Values{"client_id": {c.ID}, "client_secret": {"wrong-secret"}}, "", http.StatusUnauthorized, "invalid_client"},
			{"a confidential client without its secret", c, url.Values{"client_id": {c.ID}}, "", http.StatusUnauthorized, "invalid_client"},
			{"a public client sending a secret by Basic", pub, nil, basic(pub.ID, "made-up-secret"), http.StatusUnauthorized, "invalid_client"},
			{"Basic and a body secret together", c, url.Values{"client_id": {c.ID}, "client_secret": {c.Secret}}, basic(c.ID, c.Secret), http.StatusBadRequest, "invalid_request"},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				a := tc.c.authorization()
				form := tc.c.codeForm(e.code(e.ada, a), a.Verifier)
				for k, v := range tc.body {
					form[k] = v
				}
				req := request(t, http.MethodPost, e.srv.URL+"/oauth/token", form)
				if tc.authorization != "" {
					req.Header.Set("Authorization", tc.authorization)
				}
				res := send(t, req)
				wantOAuthError(t, res, tc.status, tc.code)
				if tc.authorization != "" && tc.status == http.StatusUnauthorized {
					wantBasicChallenge(t, res, tc.name)
				}
			})
		}
	})
}

// TestD24CodeSingleUse proves D24: a code works once; a second redemption
// is 400 JSON invalid_grant, at once and 30 s later, and it revokes what
// the first redemption issued — its access token gets 401 at userinfo and
// its refresh token invalid_grant (RFC 6749 §4.1.2, §10.5; OIDC Core
// §3.1.3.2; suite: oidcc-codereuse, oidcc-codereuse-30seconds).
func TestD24CodeSingleUse(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		for _, wait := range []time.Duration{0, 30 * time.Second} {
			e.run(t, fmt.Sprintf("replayed after %s", wait), func(t *testing.T) {
				a := c.authorization()
				code := e.code(e.ada, a)
				first := c.redeem(code, a.Verifier)
				e.wantUserinfo(first.AccessToken)
				e.srv.Clock.Advance(wait)
				wantOAuthError(t, c.redeemResult(code, a.Verifier), http.StatusBadRequest, "invalid_grant")
				e.wantUserinfoRefused(first.AccessToken, "the access token of a replayed code")
				wantOAuthError(t, c.refreshResult(first.RefreshToken, ""), http.StatusBadRequest, "invalid_grant")
			})
		}
	})
}

// TestD25CodeBoundToClient proves D25: client B, with its own valid
// credentials, cannot redeem client A's code — invalid_grant (RFC 6749
// §4.1.3, §10.5; OIDC Core §3.1.3.2; suite:
// fapi2-…-ensure-authorization-code-is-bound-to-client).
func TestD25CodeBoundToClient(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		a1 := e.confidential()
		b := e.newClient(admin.NewClient{RedirectURIs: []string{otherRedirect, appRedirect}})
		a := a1.authorization()
		code := e.code(e.ada, a)
		// Everything as A would send it, but B's credentials.
		wantOAuthError(t, b.token(a1.codeForm(code, a.Verifier), basicAuth), http.StatusBadRequest, "invalid_grant")
	})
}

// TestD26CodeBoundToRedirectURI proves D26: a code must be redeemed with
// the redirect_uri of its authorization request — another registered one,
// or none, is invalid_grant (RFC 6749 §4.1.3; OIDC Core §3.1.3.2).
func TestD26CodeBoundToRedirectURI(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		second := appOrigin + "/second"
		c := e.newClient(admin.NewClient{RedirectURIs: []string{appRedirect, second}})
		for name, redirect := range map[string]*string{"another registered redirect_uri": &second, "no redirect_uri": nil} {
			e.run(t, name, func(t *testing.T) {
				a := c.authorization()
				form := c.codeForm(e.code(e.ada, a), a.Verifier)
				if redirect == nil {
					form.Del("redirect_uri")
				} else {
					form.Set("redirect_uri", *redirect)
				}
				wantOAuthError(t, c.token(form, asRegistered), http.StatusBadRequest, "invalid_grant")
			})
		}
	})
}

// TestD27ExpiredCode proves D27: Latchkey's codes live 60 s (RFC 6749
// §4.1.2 recommends at most 10 minutes): one redeemed after 59 s works, one
// redeemed after 61 s is invalid_grant (suite:
// fapi2-…-ensure-token-endpoint-fails-with-expired-auth-code). The server
// clock is moved, not waited for.
func TestD27ExpiredCode(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		a := c.authorization()
		code := e.code(e.ada, a)
		e.srv.Clock.Advance(59 * time.Second)
		c.redeem(code, a.Verifier)

		a = c.authorization()
		code = e.code(e.ada, a)
		e.srv.Clock.Advance(61 * time.Second)
		wantOAuthError(t, c.redeemResult(code, a.Verifier), http.StatusBadRequest, "invalid_grant")
	})
}

// TestD28MalformedTokenRequests proves D28: GET is refused with 405 (and
// Allow, RFC 9110 §15.5.6) and a JSON invalid_request body; an unknown or
// unoffered grant type is unsupported_grant_type; a missing code is
// invalid_request; a random code is invalid_grant; every error is 400 JSON
// with error (RFC 6749 §3.2, §4.1.3, §5.2; suite:
// CheckTokenEndpointHttpStatus400,
// CheckErrorFromTokenEndpointResponseErrorInvalidGrant). Grants Latchkey
// does not advertise (password, client_credentials, JWT bearer, device
// code) count as unsupported.
func TestD28MalformedTokenRequests(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()

		get := request(t, http.MethodGet, e.srv.URL+"/oauth/token?"+url.Values{
			"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {c.ID}, "client_secret": {c.Secret},
		}.Encode(), nil)
		get.Header.Set("Authorization", basic(c.ID, c.Secret))
		res := send(t, get)
		wantOAuthError(t, res, http.StatusMethodNotAllowed, "invalid_request")
		if allow := res.Header.Get("Allow"); !strings.Contains(allow, "POST") {
			t.Errorf("405 without Allow: POST (got %q; RFC 9110 §15.5.6)", allow)
		}

		for _, gt := range []string{
			"password", "urn:example:unknown", "client_credentials",
			"urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:device_code",
			"implicit",
		} {
			res := c.token(url.Values{"grant_type": {gt}, "username": {adaEmail}, "password": {"x"}, "assertion": {"x.y.z"}, "device_code": {"x"}}, basicAuth)
			wantOAuthError(t, res, http.StatusBadRequest, "unsupported_grant_type")
		}

		a := c.authorization()
		e.code(e.ada, a)
		wantOAuthError(t, c.token(url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {c.Redirect}, "code_verifier": {a.Verifier}}, basicAuth),
			http.StatusBadRequest, "invalid_request")
		wantOAuthError(t, c.redeemResult(random()+random(), a.Verifier), http.StatusBadRequest, "invalid_grant")
	})
}

// TestD29UnguessableArtifacts proves D29: codes, access tokens and refresh
// tokens are at least 128 bits long, have an estimated entropy of at least
// 96 bits, use only VSCHAR characters, and never repeat (RFC 6749 §10.10,
// Appendix A; RFC 6819 §5.1.4.2.2; suite:
// EnsureMinimumAuthorizationCodeLength/Entropy,
// EnsureMinimumAccessTokenEntropy, EnsureMinimumRefreshTokenLength/Entropy,
// EnsureRefreshTokenContainsAllowedCharactersOnly).
func TestD29UnguessableArtifacts(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		seen := map[string]bool{}
		for range 3 {
			a := c.authorization()
			code := e.code(e.ada, a)
			tok := c.redeem(code, a.Verifier)
			for kind, v := range map[string]string{"code": code, "access token": tok.AccessToken, "refresh token": tok.RefreshToken} {
				if seen[v] {
					t.Errorf("%s %q was issued twice", kind, v)
				}
				seen[v] = true
				if bits := len(v) * 8; bits < 128 {
					t.Errorf("%s %q is %d bits long, want ≥128", kind, v, bits)
				}
				if h := entropy(v); h < 96 {
					t.Errorf("%s %q has an estimated entropy of %.0f bits, want ≥96", kind, v, h)
				}
				for _, r := range v {
					if r < 0x20 || r > 0x7E {
						t.Errorf("%s %q holds %q, outside VSCHAR (RFC 6749 Appendix A)", kind, v, r)
						break
					}
				}
			}
		}
	})
}

// entropy estimates the entropy of s in bits: its length times the Shannon
// entropy of its character distribution.
func entropy(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	h := 0.0
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h * float64(n)
}
