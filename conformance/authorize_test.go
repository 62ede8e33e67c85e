package conformance

import (
	"encoding/base64"
	"html"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
)

// printableState holds every printable ASCII character (VSCHAR, RFC 6749
// Appendix A.5), so that "byte-identical" means something.
const printableState = ` !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_` + "`" + `abcdefghijklmnopqrstuvwxyz{|}~`

// wantIss checks the iss parameter of an authorization response (RFC 9207 §2).
func (e *env) wantIss(params url.Values, what string) {
	e.t.Helper()
	if got := params.Get("iss"); got != e.srv.URL {
		e.t.Errorf("%s: iss = %q, want the issuer %q (RFC 9207 §2)", what, got, e.srv.URL)
	}
}

// wantNoTokens checks that a code response carries no token (OIDC Core
// §3.1.2.5: the code flow returns tokens only from the token endpoint).
func (e *env) wantNoTokens(u *url.URL) {
	e.t.Helper()
	for _, k := range []string{"access_token", "id_token", "token_type", "refresh_token"} {
		if u.Query().Has(k) {
			e.t.Errorf("the authorization response carries %s: %s", k, u)
		}
	}
	if u.Fragment != "" {
		e.t.Errorf("the code response has a fragment %q", u.Fragment)
	}
}

var (
	formTag  = regexp.MustCompile(`(?is)<form\b[^>]*>`)
	inputTag = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	attr     = regexp.MustCompile(`(?is)([a-z-]+)\s*=\s*"([^"]*)"`)
)

func attrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attr.FindAllStringSubmatch(tag, -1) {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2])
	}
	return out
}

// TestB6HappyPath proves B6: an authorization request (GET, and the same as
// a form POST) with a registered redirect URI, state, nonce and an S256
// challenge, after the passkey sign-in, ends in a redirect to the redirect
// URI with a code, the state byte-identical, iss = issuer, and no token
// (OIDC Core §3.1.2.1, §3.1.2.5; RFC 6749 §4.1.2; RFC 9207 §2; suite:
// oidcc-server, oidcc-ensure-post-request-succeeds). With
// response_mode=form_post the answer is an auto-submitting HTML form
// carrying code, state and iss (OAuth 2.0 Form Post Response Mode §2).
func TestB6HappyPath(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()

		e.run(t, "GET", func(t *testing.T) {
			a := c.authorization().set("state", printableState)
			out := e.authorize(e.ada, a)
			code := e.codeOf(out, a)
			if out.Ceremonies != 1 {
				t.Errorf("passkey ceremonies = %d, want 1", out.Ceremonies)
			}
			e.wantIss(out.Redirect.Query(), "code response")
			e.wantNoTokens(out.Redirect)
			c.verify(c.redeem(code, a.Verifier).IDToken)
		})

		e.run(t, "POST", func(t *testing.T) {
			a := c.authorization().set("prompt", "login")
			res := e.ada.PostRaw("/authorize", "application/x-www-form-urlencoded", []byte(a.encode()))
			out := e.walk(e.ada, res)
			code := e.codeOf(out, a)
			e.wantIss(out.Redirect.Query(), "code response to a POST")
			e.wantNoTokens(out.Redirect)
			c.verify(c.redeem(code, a.Verifier).IDToken)
		})

		e.run(t, "response_mode=form_post", func(t *testing.T) {
			a := c.authorization().set("response_mode", "form_post").set("state", "form post & <state>")
			out := e.authorize(e.ada, a)
			if out.Redirect != nil {
				t.Fatalf("form_post answered a redirect to %s", out.Redirect)
			}
			page := out.Last
			if page.Status != http.StatusOK {
				t.Fatalf("form_post = %d %.300s, want 200", page.Status, page.Body)
			}
			if mt, _, _ := mime.ParseMediaType(page.Header.Get("Content-Type")); mt != "text/html" {
				t.Errorf("Content-Type = %q, want text/html", page.Header.Get("Content-Type"))
			}
			form := formTag.FindString(string(page.Body))
			if form == "" {
				t.Fatalf("no form in %.500s", page.Body)
			}
			fa := attrs(form)
			if !strings.EqualFold(fa["method"], "post") || fa["action"] != c.Redirect {
				t.Errorf("form method=%q action=%q, want post to %s", fa["method"], fa["action"], c.Redirect)
			}
			if !strings.Contains(strings.ToLower(string(page.Body)), "submit") {
				t.Error("the form_post page does not submit its form")
			}
			fields := url.Values{}
			for _, in := range inputTag.FindAllString(string(page.Body), -1) {
				ia := attrs(in)
				fields.Add(ia["name"], ia["value"])
			}
			if fields.Get("state") != a.get("state") {
				t.Errorf("form state = %q, want %q", fields.Get("state"), a.get("state"))
			}
			e.wantIss(fields, "form_post response")
			if fields.Get("code") == "" {
				t.Fatalf("form fields %v carry no code", fields)
			}
			c.verify(c.redeem(fields.Get("code"), a.Verifier).IDToken)
		})
	})
}

// TestB7UnregisteredRedirectURI proves B7: an unregistered redirect_uri, an
// unknown client_id, or a missing redirect_uri or client_id gets an error
// page for the person, never a redirect to any client URI, and the page
// shows no internal detail (RFC 6749 §3.1.2.4, §4.1.2.1; OIDC Core
// §3.1.2.1 — redirect_uri is REQUIRED — and §3.1.2.2; suite:
// oidcc-ensure-registered-redirect-uri,
// oidcc-ensure-redirect-uri-in-authorization-request).
func TestB7UnregisteredRedirectURI(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		for _, tc := range []struct {
			name   string
			modify func(a *authRequest)
		}{
			{"an unregistered redirect_uri", func(a *authRequest) { a.set("redirect_uri", "https://evil.example.net/callback") }},
			{"an unknown client_id", func(a *authRequest) { a.set("client_id", "no-such-client") }},
			{"no redirect_uri", func(a *authRequest) { a.del("redirect_uri") }},
			{"no client_id", func(a *authRequest) { a.del("client_id") }},
		} {
			a := c.authorization()
			tc.modify(a)
			wantErrorPage(t, e.ada.Get(a.URL()), tc.name)
		}
	})
}

// TestB8ExactRedirectURIMatch proves B8: the redirect URI is compared as a
// simple string (OIDC Core §3.1.2.1 via RFC 3986 §6.2.1; RFC 9700 §2.1,
// §4.1.3): a query added, a different query, a trailing slash, a change of
// case in path or host, http for https, an explicit default port or a
// percent-encoded character each get the error page; a registered URI
// with a query works when sent exactly, and keeps its query (RFC 6749
// §3.1.2; suite: oidcc-redirect-uri-query-added, -query-mismatch,
// -query-OK).
func TestB8ExactRedirectURIMatch(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		withQuery := appOrigin + "/cb?tenant=1"
		c := e.newClient(admin.NewClient{RedirectURIs: []string{appRedirect, withQuery}})
		for _, bad := range []string{
			appRedirect + "?foo=bar",
			appRedirect + "/",
			appOrigin + "/Callback",
			"https://APP.example.com/callback",
			"http://app.example.com/callback",
			"https://app.example.com:443/callback",
			appOrigin + "/c%61llback",
			appOrigin + "/cb",
			appOrigin + "/cb?tenant=2",
			appOrigin + "/cb?tenant=1&foo=bar",
		} {
			wantErrorPage(t, e.ada.Get(c.authorization().set("redirect_uri", bad).URL()), "redirect_uri "+bad)
		}

		a := c.authorization().set("redirect_uri", withQuery)
		out := e.authorize(e.ada, a)
		e.codeOf(out, a)
		if got := out.Redirect.Query().Get("tenant"); got != "1" {
			t.Errorf("the response to %s dropped the registered query: %s", withQuery, out.Redirect)
		}
	})
}

// TestB9MissingResponseType proves B9: without response_type the answer
// is an error redirect with invalid_request and no code (RFC 6749 §4.1.2.1;
// OIDC Core §3.1.2.6; suite: oidcc-response-type-missing). Latchkey's
// choice among the two codes the checklist allows: invalid_request, since a
// required parameter is missing.
func TestB9MissingResponseType(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		a := e.confidential().authorization().del("response_type")
		e.wantErrorRedirect(e.authorize(e.ada, a), a, "invalid_request")
	})
}

// TestB10UnsupportedResponseType proves B10: response_type token,
// id_token, "code token", "code id_token", "id_token token" or garbage
// gets an error redirect with unsupported_response_type and no token in
// the query or fragment (RFC 6749 §4.1.2.1; RFC 9700 §2.1.2; suite:
// fapi2-…-ensure-response-type-token-fails).
func TestB10UnsupportedResponseType(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		for _, rt := range []string{"token", "id_token", "code token", "code id_token", "id_token token", "garbage"} {
			e.run(t, rt, func(t *testing.T) {
				a := c.authorization().set("response_type", rt)
				e.wantErrorRedirect(e.authorize(e.ada, a), a, "unsupported_response_type")
			})
		}
	})
}

// TestB11ErrorRedirectHygiene proves B11: whatever the error — prompt=none
// without a session, no PKCE, plain PKCE, a request object, an unsupported
// response type, prompt=none with login, a cancelled sign-in — the error
// redirect carries a 100+ character state unchanged, iss, an error code
// from the RFC lists, an error_description in the allowed characters, and
// never a code (RFC 6749 §4.1.2.1; RFC 9207 §2; OIDC Core §3.1.2.6; suite:
// CheckErrorDescriptionFromAuthorizationEndpointResponseErrorContainsCRLFTAB,
// RejectAuthCodeInAuthorizationEndpointResponse,
// oidcc-prompt-none-not-logged-in).
func TestB11ErrorRedirectHygiene(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		long := printableState + printableState[:10] // 105 characters
		for _, tc := range []struct {
			name, want string
			modify     func(a *authRequest)
		}{
			{"prompt=none without a session", "login_required", func(a *authRequest) { a.set("prompt", "none") }},
			{"no code_challenge", "invalid_request", func(a *authRequest) { a.del("code_challenge").del("code_challenge_method") }},
			{"code_challenge_method=plain", "invalid_request", func(a *authRequest) { a.set("code_challenge", a.Verifier).set("code_challenge_method", "plain") }},
			{"a request object", "request_not_supported", func(a *authRequest) { a.set("request", unsignedRequestObject(a)) }},
			{"response_type=token", "unsupported_response_type", func(a *authRequest) { a.set("response_type", "token") }},
			{"prompt=none login", "invalid_request", func(a *authRequest) { a.set("prompt", "none login") }},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				a := c.authorization().set("state", long)
				tc.modify(a)
				// A fresh browser: no session, so nothing succeeds silently.
				p := testpasskey.New(t, e.srv.URL)
				e.wantErrorRedirect(e.authorize(p, a, walkOptions{noCeremony: true}), a, tc.want)
			})
		}
		e.run(t, "the person cancels", func(t *testing.T) {
			a := c.authorization().set("state", long)
			e.wantErrorRedirect(e.cancelSignIn(e.ada, a), a, "access_denied")
		})
	})
}

// cancelSignIn starts a request, lets the person press "Return to the
// app" on the sign-in page (POST /login/cancel) and follows the answer.
func (e *env) cancelSignIn(p *testpasskey.Person, a *authRequest) outcome {
	e.t.Helper()
	out := e.authorize(p, a, walkOptions{noCeremony: true})
	if !out.LoginPage {
		e.t.Fatalf("no sign-in page to cancel: %d %.300s", out.Last.Status, out.Last.Body)
	}
	res := p.PostJSON("/login/cancel", map[string]string{"auth_request_id": out.LoginID})
	if res.Status != http.StatusOK {
		e.t.Fatalf("POST /login/cancel = %d %s", res.Status, res.Body)
	}
	var body struct {
		RedirectTo string `json:"redirect_to"`
	}
	res.JSON(e.t, &body)
	return e.walk(p, p.Get(body.RedirectTo), walkOptions{noCeremony: true})
}

// unsignedRequestObject is a plausible request object (OIDC Core §6.1),
// unsigned.
func unsignedRequestObject(a *authRequest) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims := `{"iss":"` + a.c.ID + `","aud":"` + a.c.e.srv.URL + `","client_id":"` + a.c.ID +
		`","response_type":"code","redirect_uri":"` + a.c.Redirect + `","scope":"openid","state":"from-request-object"}`
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(claims)) + "."
}
