package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
)

// endSession calls the end_session endpoint from the person's browser
// (RPIL §2), with GET or as a form POST.
func (e *env) endSession(p *testpasskey.Person, method string, params url.Values) testpasskey.Response {
	e.t.Helper()
	if method == http.MethodPost {
		return p.PostRaw("/end_session", "application/x-www-form-urlencoded", []byte(params.Encode()))
	}
	target := "/end_session"
	if len(params) > 0 {
		target += "?" + params.Encode()
	}
	return p.Get(target)
}

// wantSignedOut checks that the browser has no OP session any more:
// prompt=none gets login_required (RPIL §2; OIDC Core §3.1.2.6).
func (e *env) wantSignedOut(p *testpasskey.Person, c *client) {
	e.t.Helper()
	a := c.authorization().set("prompt", "none")
	out := e.authorize(p, a, walkOptions{noCeremony: true})
	if out.Redirect == nil || out.Redirect.Query().Get("error") != "login_required" {
		e.t.Errorf("after logout prompt=none answered %v (%d), want login_required: the OP session survived", out.Redirect, out.Last.Status)
	}
}

// wantNoRedirect checks a logout answer that must not redirect: no
// Location, and the signed-out page (200) or an error page (400), HTML.
func wantNoRedirect(t testing.TB, res testpasskey.Response, why string) {
	t.Helper()
	if loc := res.Header.Get("Location"); loc != "" {
		t.Errorf("%s: redirected (%d) to %s, want no redirect", why, res.Status, loc)
		return
	}
	if res.Status != http.StatusOK && res.Status != http.StatusBadRequest {
		t.Errorf("%s: status %d, want 200 (signed out) or 400 (error page)", why, res.Status)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "text/html" {
		t.Errorf("%s: Content-Type %q, want text/html", why, res.Header.Get("Content-Type"))
	}
	for _, s := range internals {
		if strings.Contains(string(res.Body), s) {
			t.Errorf("%s: the page shows internal detail %q", why, s)
		}
	}
}

// TestI47LogoutWithRedirect proves I47: end_session by GET and by POST with
// a valid id_token_hint, a registered post_logout_redirect_uri and state
// ends the OP session, then redirects (302) to exactly that URI with state
// unchanged, or without state when none was sent; prompt=none afterwards
// gets login_required (RPIL §2, §3; suite: oidcc-rp-initiated-logout,
// -no-state).
func TestI47LogoutWithRedirect(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		for _, tc := range []struct {
			name, method, state, want string
		}{
			{"GET", http.MethodGet, "bye-1", appLogout + "?state=bye-1"},
			{"POST", http.MethodPost, "bye-2", appLogout + "?state=bye-2"},
			{"no state", http.MethodGet, "", appLogout},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				tok := c.signIn(e.ada)
				params := url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {appLogout}}
				if tc.state != "" {
					params.Set("state", tc.state)
				}
				res := e.endSession(e.ada, tc.method, params)
				if res.Status != http.StatusFound || res.Header.Get("Location") != tc.want {
					t.Errorf("end_session = %d Location %q, want 302 to exactly %q", res.Status, res.Header.Get("Location"), tc.want)
				}
				e.wantSignedOut(e.ada, c)
			})
		}
	})
}

// TestI48OnlyRegisteredPostLogoutRedirect proves I48: with a valid
// id_token_hint, an unregistered post_logout_redirect_uri, or a registered
// one with ?foo=bar added, gets no redirect — the signed-out page or an
// error page (RPIL §3, exact match; suite:
// oidcc-rp-initiated-logout-bad-post-logout-redirect-uri,
// -query-added-to-post-logout-redirect-uri).
func TestI48OnlyRegisteredPostLogoutRedirect(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		for _, uri := range []string{"https://evil.example.net/signed-out", appLogout + "?foo=bar", appLogout + "/", appRedirect} {
			tok := c.signIn(e.ada)
			res := e.endSession(e.ada, http.MethodGet, url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {uri}, "state": {"s"}})
			wantNoRedirect(t, res, "post_logout_redirect_uri "+uri)
		}
	})
}

// TestI49IDTokenHintRequiredForRedirect proves I49: a
// post_logout_redirect_uri is honoured only with a valid id_token_hint —
// none (and no client_id), one signed by another key, or one re-signed
// with alg none gets no redirect — while an expired hint that Latchkey
// issued still is (RPIL §2, §3, §4; suite:
// oidcc-rp-initiated-logout-no-id-token-hint, -bad-id-token-hint,
// -modified-id-token-hint).
func TestI49IDTokenHintRequiredForRedirect(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		tok := c.signIn(e.ada)
		for name, hint := range map[string]string{
			"no id_token_hint":               "",
			"a hint signed by another key":   forgeForeign(t, tok.IDToken),
			"a hint re-signed with alg none": forgeUnsigned(t, tok.IDToken),
			"a hint that is not a JWT":       "not-a-jwt",
		} {
			params := url.Values{"post_logout_redirect_uri": {appLogout}, "state": {"s"}}
			if hint != "" {
				params.Set("id_token_hint", hint)
			}
			wantNoRedirect(t, e.endSession(e.ada, http.MethodGet, params), name)
		}

		e.run(t, "an expired hint of ours", func(t *testing.T) {
			tok := c.signIn(e.ada)
			e.srv.Clock.Advance(2 * time.Hour) // ID tokens live 1 h; the session 12 h
			wantExpired(t, e, tok.IDToken)
			res := e.endSession(e.ada, http.MethodGet, url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {appLogout}, "state": {"late"}})
			if want := appLogout + "?state=late"; res.Status != http.StatusFound || res.Header.Get("Location") != want {
				t.Errorf("end_session with an expired hint = %d %q, want 302 to %q", res.Status, res.Header.Get("Location"), want)
			}
		})
	})
}

// TestI50LogoutWithoutRedirect proves I50: end_session with no parameters,
// with only state, or with a hint but no post_logout_redirect_uri ends
// the OP session and shows a "signed out" page: 200 HTML, no redirect
// (RPIL §2, §3; suite: oidcc-rp-initiated-logout-no-params, -only-state,
// -no-post-logout-redirect-uri).
func TestI50LogoutWithoutRedirect(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		for _, tc := range []struct {
			name   string
			params func(idToken string) url.Values
		}{
			{"no parameters", func(string) url.Values { return nil }},
			{"only state", func(string) url.Values { return url.Values{"state": {"s"}} }},
			{"no post_logout_redirect_uri", func(h string) url.Values { return url.Values{"id_token_hint": {h}, "state": {"s"}} }},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				tok := c.signIn(e.ada)
				res := e.endSession(e.ada, http.MethodGet, tc.params(tok.IDToken))
				wantNoRedirect(t, res, tc.name)
				if res.Status != http.StatusOK || !strings.Contains(strings.ToLower(string(res.Body)), "signed out") {
					t.Errorf("%s: %d %.300s, want 200 and a signed-out page", tc.name, res.Status, res.Body)
				}
				e.wantSignedOut(e.ada, c)
			})
		}
	})
}

// logoutDelivery is one request a back-channel logout endpoint received.
type logoutDelivery struct {
	method, contentType string
	body                []byte
}

func backchannelReceiver(t *testing.T) (*httptest.Server, chan logoutDelivery) {
	t.Helper()
	got := make(chan logoutDelivery, 8)
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- logoutDelivery{method: r.Method, contentType: r.Header.Get("Content-Type"), body: b}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rp.Close)
	return rp, got
}

// TestBackChannelLogout proves OpenID Back-Channel Logout 1.0 for the
// clients a session signed into: after RP-initiated logout the client's
// back-channel URI receives a POST application/x-www-form-urlencoded with a
// logout_token (§2.5) — a JWT signed by a key in the JWKS, typ logout+jwt
// (§2.4), with iss, aud = [client_id], iat, exp, jti, sub, sid (= the ID
// token's sid), events {backchannel-logout: {}} and no nonce (§2.4). A
// client the session never signed into hears nothing. Delivery is
// asynchronous; the test polls for up to 10 s.
func TestBackChannelLogout(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		rp, deliveries := backchannelReceiver(t)
		otherRP, strays := backchannelReceiver(t)
		c := e.newClient(admin.NewClient{BackchannelLogoutURI: rp.URL + "/backchannel-logout"})
		e.newClient(admin.NewClient{BackchannelLogoutURI: otherRP.URL + "/backchannel-logout"})

		tok := c.signIn(e.ada)
		sid := str(claimsOf(t, tok.IDToken), "sid")
		if sid == "" {
			t.Error("the ID token has no sid")
		}
		res := e.endSession(e.ada, http.MethodGet, url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {appLogout}})
		if res.Status >= 400 {
			t.Fatalf("end_session = %d %.300s", res.Status, res.Body)
		}

		var d logoutDelivery
		select {
		case d = <-deliveries:
		case <-time.After(10 * time.Second):
			t.Fatal("no logout token reached the client's back-channel logout URI within 10 s")
		}
		if d.method != http.MethodPost {
			t.Errorf("method = %s, want POST", d.method)
		}
		if mt, _, _ := mime.ParseMediaType(d.contentType); mt != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type = %q, want application/x-www-form-urlencoded", d.contentType)
		}
		form, err := url.ParseQuery(string(d.body))
		if err != nil || form.Get("logout_token") == "" {
			t.Fatalf("body %q has no logout_token: %v", d.body, err)
		}
		raw := form.Get("logout_token")
		header, _ := jwtParts(t, raw)
		if typ := str(header, "typ"); typ != "logout+jwt" {
			t.Errorf("typ = %q, want logout+jwt", typ)
		}
		var claims map[string]any
		dec := json.NewDecoder(bytes.NewReader(e.verifyWithJWKS(raw)))
		dec.UseNumber()
		if err := dec.Decode(&claims); err != nil {
			t.Fatal(err)
		}
		if claims["iss"] != e.srv.URL {
			t.Errorf("iss = %v, want %s", claims["iss"], e.srv.URL)
		}
		if aud := audience(t, claims); len(aud) != 1 || aud[0] != c.ID {
			t.Errorf("aud = %v, want [%s]", claims["aud"], c.ID)
		}
		if iat, exp := num(t, claims, "iat"), num(t, claims, "exp"); exp <= iat {
			t.Errorf("exp %d is not after iat %d", exp, iat)
		}
		if str(claims, "jti") == "" {
			t.Error("no jti")
		}
		if claims["sub"] != e.adaID {
			t.Errorf("sub = %v, want %s", claims["sub"], e.adaID)
		}
		if claims["sid"] != sid || sid == "" {
			t.Errorf("sid = %v, want the ID token's %q", claims["sid"], sid)
		}
		events, _ := claims["events"].(map[string]any)
		member, ok := events[backchannelType].(map[string]any)
		if len(events) != 1 || !ok || len(member) != 0 {
			t.Errorf("events = %v, want exactly {%q: {}}", claims["events"], backchannelType)
		}
		if _, ok := claims["nonce"]; ok {
			t.Error("a logout token must not carry nonce (§2.4)")
		}

		select {
		case s := <-strays:
			t.Errorf("a client the session never signed into got a logout token: %s", s.body)
		case <-time.After(time.Second):
		}
	})
}
