package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/internal/testpasskey"
)

// authRequest is an authorization request under construction. Parameters
// keep their order and may repeat, so that adversarial requests can be
// built.
type authRequest struct {
	c        *client
	params   [][2]string
	Verifier string
}

// authorization starts a complete, valid request: response_type=code,
// client_id, the client's redirect URI, defaultScope, state, nonce and an
// S256 code challenge.
func (c *client) authorization() *authRequest {
	a := &authRequest{c: c, Verifier: oauth2.GenerateVerifier()}
	a.add("response_type", "code").
		add("client_id", c.ID).
		add("redirect_uri", c.Redirect).
		add("scope", defaultScope).
		add("state", random()).
		add("nonce", random()).
		add("code_challenge", oauth2.S256ChallengeFromVerifier(a.Verifier)).
		add("code_challenge_method", "S256")
	return a
}

// add appends a parameter, even one already present.
func (a *authRequest) add(k, v string) *authRequest {
	a.params = append(a.params, [2]string{k, v})
	return a
}

// set replaces every value of k by v (in the place of the first), or
// appends it.
func (a *authRequest) set(k, v string) *authRequest {
	out := a.params[:0:0]
	done := false
	for _, p := range a.params {
		if p[0] != k {
			out = append(out, p)
		} else if !done {
			out = append(out, [2]string{k, v})
			done = true
		}
	}
	if !done {
		out = append(out, [2]string{k, v})
	}
	a.params = out
	return a
}

// del removes every value of k.
func (a *authRequest) del(k string) *authRequest {
	out := a.params[:0:0]
	for _, p := range a.params {
		if p[0] != k {
			out = append(out, p)
		}
	}
	a.params = out
	return a
}

// get returns the first value of k, or "".
func (a *authRequest) get(k string) string {
	for _, p := range a.params {
		if p[0] == k {
			return p[1]
		}
	}
	return ""
}

// encode is the parameters as application/x-www-form-urlencoded, in order.
func (a *authRequest) encode() string {
	parts := make([]string, len(a.params))
	for i, p := range a.params {
		parts[i] = url.QueryEscape(p[0]) + "=" + url.QueryEscape(p[1])
	}
	return strings.Join(parts, "&")
}

// URL is the request as a GET to the authorization endpoint.
func (a *authRequest) URL() string { return a.c.e.srv.URL + "/authorize?" + a.encode() }

// outcome is where walking an authorization request ended.
type outcome struct {
	// Redirect is where the OP sent the browser outside itself (the
	// client's redirect URI), or nil when the walk ended on a page.
	Redirect *url.URL
	// Last is the last response read: the redirect, or the page.
	Last testpasskey.Response
	// Ceremonies counts the passkey ceremonies the person performed.
	Ceremonies int
	// LoginPage is set when the sign-in page was shown, for the auth
	// request LoginID.
	LoginPage bool
	LoginID   string
	// ConsentID is the auth request id of a consent page that was shown.
	ConsentID string
}

// walk options.
type walkOptions struct {
	// noCeremony stops at the sign-in page instead of signing in.
	noCeremony bool
	// consent is what to answer a consent page: "allow", "deny", or ""
	// to stop there.
	consent string
}

// authorize sends the person's browser to the request and walks it.
func (e *env) authorize(p *testpasskey.Person, a *authRequest, o ...walkOptions) outcome {
	e.t.Helper()
	return e.walk(p, p.Get(a.URL()), o...)
}

// walk follows a response the way a browser would: redirects within the
// OP, the sign-in page (with a passkey ceremony, unless told not to), the
// consent page (answered as told), until the OP sends the browser to the
// client or shows a page that is not one of those.
func (e *env) walk(p *testpasskey.Person, res testpasskey.Response, opts ...walkOptions) outcome {
	e.t.Helper()
	var o walkOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	var out outcome
	for hops := 0; hops < 20; hops++ {
		out.Last = res
		if !isRedirect(res.Status) || res.Location == nil {
			return out
		}
		next := res.Location
		if next.Scheme+"://"+next.Host != e.srv.URL {
			out.Redirect = next
			return out
		}
		res = p.Get(next.String())
		if res.Status != http.StatusOK {
			continue
		}
		// A page: the sign-in or the consent page is answered (the JSON
		// endpoints answer where to go next); any other ends the walk.
		id := next.Query().Get("authRequestID")
		var to string
		switch next.Path {
		case "/login":
			out.LoginPage, out.LoginID = true, id
			if o.noCeremony {
				out.Last = res
				return out
			}
			out.Ceremonies++
			to = p.SignIn(id, "")
		case "/consent":
			out.ConsentID = id
			if o.consent == "" {
				out.Last = res
				return out
			}
			to = e.consentDecision(p, res, id, o.consent)
		default:
			out.Last = res
			return out
		}
		// Continue as if redirected to where the JSON answer points.
		u, err := url.Parse(to)
		if err != nil || u.Host == "" {
			u = mustParse(e.t, e.srv.URL).ResolveReference(mustParse(e.t, to))
		}
		res = testpasskey.Response{Status: http.StatusFound, Header: http.Header{"Location": {u.String()}}, Location: u}
	}
	e.t.Fatal("too many redirects")
	return out
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)"`)

// consentDecision answers a consent page through its JSON endpoint,
// POST /consent/allow or /consent/deny {"auth_request_id"} →
// {"redirect_to"}, sending the page's CSRF token when it has one.
func (e *env) consentDecision(p *testpasskey.Person, page testpasskey.Response, id, decision string) string {
	e.t.Helper()
	header := http.Header{}
	if m := csrfMeta.FindSubmatch(page.Body); m != nil {
		header.Set("X-CSRF-Token", string(m[1]))
	}
	res := postJSON(e.t, p, e.srv.URL+"/consent/"+decision, map[string]string{"auth_request_id": id}, header)
	if res.Status != http.StatusOK {
		e.t.Fatalf("POST /consent/%s = %d %s", decision, res.Status, res.Body)
	}
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	res.JSON(e.t, &out)
	if out.RedirectTo == "" {
		e.t.Fatalf("POST /consent/%s answered no redirect_to: %s", decision, res.Body)
	}
	return out.RedirectTo
}

// postJSON posts JSON from the person's browser with extra headers.
func postJSON(t testing.TB, p *testpasskey.Person, target string, body any, header http.Header) testpasskey.Response {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	req.Header.Set("Content-Type", "application/json")
	res, err := p.HTTP.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := testpasskey.Response{Status: res.StatusCode, Header: res.Header, Body: data}
	if loc, err := res.Location(); err == nil {
		out.Location = loc
	}
	return out
}

// code walks a request that must succeed and returns its code. It checks
// that the browser landed on the request's redirect URI with the request's
// state and no error; the iss parameter is checked by the tests about it.
func (e *env) code(p *testpasskey.Person, a *authRequest, o ...walkOptions) string {
	e.t.Helper()
	out := e.authorize(p, a, o...)
	return e.codeOf(out, a)
}

// codeOf extracts the code from a successful outcome.
func (e *env) codeOf(out outcome, a *authRequest) string {
	e.t.Helper()
	if out.Redirect == nil {
		e.t.Fatalf("the authorization request ended on a page, not at the client: %d %.300s", out.Last.Status, out.Last.Body)
	}
	q := out.Redirect.Query()
	if q.Get("error") != "" {
		e.t.Fatalf("authorization error %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if got := withoutQuery(out.Redirect); got != withoutQuery(mustParse(e.t, a.get("redirect_uri"))) {
		e.t.Fatalf("redirected to %s, want the request's redirect_uri %s", out.Redirect, a.get("redirect_uri"))
	}
	if q.Get("code") == "" {
		e.t.Fatalf("no code in %s", out.Redirect)
	}
	if q.Get("state") != a.get("state") {
		e.t.Fatalf("state = %q, want %q", q.Get("state"), a.get("state"))
	}
	return q.Get("code")
}
