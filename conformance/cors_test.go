package conformance

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey-id/latchkey/admin"
)

// corsProbe is one cross-origin request to an endpoint of the OP.
type corsProbe struct {
	name   string
	method string
	path   string
	form   url.Values
	bearer string
}

func (e *env) crossOrigin(p corsProbe, origin string, preflight bool) httpResult {
	e.t.Helper()
	target := e.srv.URL + p.path
	var req *http.Request
	switch {
	case preflight:
		req = request(e.t, http.MethodOptions, target, nil)
		req.Header.Set("Access-Control-Request-Method", p.method)
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	case p.form != nil:
		req = request(e.t, p.method, target, p.form)
	default:
		req = request(e.t, p.method, target, nil)
	}
	req.Header.Set("Origin", origin)
	if p.bearer != "" && !preflight {
		req.Header.Set("Authorization", "Bearer "+p.bearer)
	}
	return send(e.t, req)
}

// TestCORS proves Latchkey's CORS policy (Fetch Standard, CORS protocol;
// zitadel's default of allowing every origin with credentials, LIBRARIES.md
// §1.8, is what it replaces): Access-Control-Allow-Origin is sent only for
// an origin of a registered redirect URI, and only on the endpoints a
// browser app calls directly — discovery, JWKS, token, userinfo and
// revocation — for requests and preflights alike; never
// Access-Control-Allow-Credentials: true; nothing for an unregistered
// origin; nothing on /authorize, its callback, introspection (a server to
// server call) or end_session (a navigation).
func TestCORS(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		spa := e.newClient(admin.NewClient{Public: true})
		tok := spa.signIn(e.ada)
		spent := spa.signIn(e.ada)

		allowed := []corsProbe{
			{name: "discovery", method: http.MethodGet, path: discoveryPath},
			{name: "JWKS", method: http.MethodGet, path: "/keys"},
			{name: "token", method: http.MethodPost, path: "/oauth/token", form: url.Values{
				"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {spa.ID}}},
			{name: "userinfo", method: http.MethodGet, path: "/userinfo", bearer: tok.AccessToken},
			{name: "revocation", method: http.MethodPost, path: "/revoke", form: url.Values{
				"token": {spent.AccessToken}, "client_id": {spa.ID}}},
		}
		refused := []corsProbe{
			{name: "authorize", method: http.MethodGet, path: "/authorize?" + spa.authorization().encode()},
			{name: "the authorize callback", method: http.MethodGet, path: "/authorize/callback?id=" + random()},
			{name: "introspection", method: http.MethodPost, path: "/oauth/introspect", form: url.Values{"token": {tok.AccessToken}}},
			{name: "end_session", method: http.MethodGet, path: "/end_session"},
		}
		noCredentials := func(res httpResult, what string) {
			t.Helper()
			if strings.EqualFold(res.Header.Get("Access-Control-Allow-Credentials"), "true") {
				t.Errorf("%s: Access-Control-Allow-Credentials: true", what)
			}
		}
		for _, preflight := range []bool{true, false} {
			kind := map[bool]string{true: "preflight", false: "request"}[preflight]
			for _, p := range allowed {
				what := kind + " to " + p.name + " from the registered origin"
				res := e.crossOrigin(p, appOrigin, preflight)
				if got := res.Header.Get("Access-Control-Allow-Origin"); got != appOrigin {
					t.Errorf("%s (%d): Access-Control-Allow-Origin = %q, want %q", what, res.Status, got, appOrigin)
				}
				noCredentials(res, what)

				what = kind + " to " + p.name + " from an unregistered origin"
				res = e.crossOrigin(p, "https://evil.example.net", preflight)
				if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
					t.Errorf("%s: Access-Control-Allow-Origin = %q, want none", what, got)
				}
				noCredentials(res, what)
			}
			for _, p := range refused {
				what := kind + " to " + p.name + " from the registered origin"
				res := e.crossOrigin(p, appOrigin, preflight)
				if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
					t.Errorf("%s: Access-Control-Allow-Origin = %q, want none", what, got)
				}
				noCredentials(res, what)
			}
		}
	})
}
