package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// httpResult is an answer read whole.
type httpResult struct {
	Status int
	Header http.Header
	Body   []byte
}

// object decodes a JSON object body, numbers as json.Number.
func (r httpResult) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(r.Body))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %v: %.300s", r.Status, err, r.Body)
	}
	return m
}

// mediaType is the Content-Type without parameters.
func (r httpResult) mediaType() string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt
}

// plain is an outside party's HTTP client: no cookies, no redirects.
var plain = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func send(t testing.TB, req *http.Request) httpResult {
	t.Helper()
	res, err := plain.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return httpResult{Status: res.StatusCode, Header: res.Header, Body: b}
}

// request builds a request; a form body is sent as
// application/x-www-form-urlencoded.
func request(t testing.TB, method, target string, form url.Values) *http.Request {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

// clientAuth is how a client authenticates at the token endpoint (RFC 6749
// §2.3.1; OIDC Core §9).
type clientAuth int

const (
	// asRegistered: client_secret_basic for confidential clients, none
	// (client_id in the body) for public ones.
	asRegistered clientAuth = iota
	basicAuth
	postAuth
	noAuth
)

// authenticate applies the client's credentials to a form and returns the
// Authorization header to send with it ("" for none).
func (c *client) authenticate(form url.Values, how clientAuth) string {
	if how == asRegistered {
		how = basicAuth
		if c.Public {
			how = noAuth
		}
	}
	switch how {
	case basicAuth:
		// RFC 6749 §2.3.1: each part form-urlencoded, then Basic.
		return basic(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	case postAuth:
		form.Set("client_id", c.ID)
		form.Set("client_secret", c.Secret)
	case noAuth:
		form.Set("client_id", c.ID)
	}
	return ""
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// post sends a form to an endpoint of the OP with the client's credentials.
func (c *client) post(path string, form url.Values, how clientAuth) httpResult {
	c.e.t.Helper()
	form = cloneValues(form)
	authorization := c.authenticate(form, how)
	req := request(c.e.t, http.MethodPost, c.e.srv.URL+path, form)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return send(c.e.t, req)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// token posts to the token endpoint.
func (c *client) token(form url.Values, how clientAuth) httpResult {
	c.e.t.Helper()
	return c.post("/oauth/token", form, how)
}

// tokens is a successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
type tokens struct {
	AccessToken  string      `json:"access_token"`
	TokenType    string      `json:"token_type"`
	RefreshToken string      `json:"refresh_token"`
	IDToken      string      `json:"id_token"`
	ExpiresIn    json.Number `json:"expires_in"`
	Scope        string      `json:"scope"`
	res          httpResult
}

// codeForm is an authorization_code grant for the client's redirect URI.
func (c *client) codeForm(code, verifier string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.Redirect}}
	if verifier != "" {
		f.Set("code_verifier", verifier)
	}
	return f
}

// redeemResult redeems a code, whatever the answer.
func (c *client) redeemResult(code, verifier string) httpResult {
	c.e.t.Helper()
	return c.token(c.codeForm(code, verifier), asRegistered)
}

// redeem redeems a code that must be good.
func (c *client) redeem(code, verifier string) tokens {
	c.e.t.Helper()
	return c.wantTokens(c.redeemResult(code, verifier))
}

// refreshResult runs a refresh_token grant; scope "" keeps the grant's.
func (c *client) refreshResult(rt, scope string) httpResult {
	c.e.t.Helper()
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	if scope != "" {
		f.Set("scope", scope)
	}
	return c.token(f, asRegistered)
}

// refresh runs a refresh grant that must succeed.
func (c *client) refresh(rt string) tokens {
	c.e.t.Helper()
	return c.wantTokens(c.refreshResult(rt, ""))
}

func (c *client) wantTokens(res httpResult) tokens {
	c.e.t.Helper()
	if res.Status != http.StatusOK {
		c.e.t.Fatalf("token endpoint = %d %s", res.Status, res.Body)
	}
	var tok tokens
	if err := json.Unmarshal(res.Body, &tok); err != nil {
		c.e.t.Fatalf("token response: %v: %s", err, res.Body)
	}
	if tok.AccessToken == "" {
		c.e.t.Fatalf("token response without access_token: %s", res.Body)
	}
	tok.res = res
	return tok
}

// wantOAuthError checks an OAuth error answer (RFC 6749 §5.2, RFC 7009
// §2.2.1, RFC 6750 §3.1): the status, a JSON body, and its error code.
func wantOAuthError(t testing.TB, res httpResult, status int, code string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("status = %d, want %d (body %.300s)", res.Status, status, res.Body)
	}
	if mt := res.mediaType(); mt != "application/json" {
		t.Errorf("Content-Type = %q, want application/json (body %.300s)", res.Header.Get("Content-Type"), res.Body)
		return
	}
	var body struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil || body.Error != code {
		t.Errorf("error = %q, want %q (body %.300s)", body.Error, code, res.Body)
	}
}

// userinfo calls the userinfo endpoint with GET and a Bearer header.
func (e *env) userinfo(accessToken string) httpResult {
	e.t.Helper()
	req := request(e.t, http.MethodGet, e.srv.URL+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	return send(e.t, req)
}

// wantUserinfo checks that an access token works at userinfo and returns
// the claims.
func (e *env) wantUserinfo(accessToken string) map[string]any {
	e.t.Helper()
	res := e.userinfo(accessToken)
	if res.Status != http.StatusOK {
		e.t.Fatalf("userinfo = %d %s (want 200)", res.Status, res.Body)
	}
	return res.object(e.t)
}

// wantUserinfoRefused checks that userinfo refuses an access token:
// 401 with WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 §3.1).
func (e *env) wantUserinfoRefused(accessToken, why string) {
	e.t.Helper()
	res := e.userinfo(accessToken)
	if res.Status != http.StatusUnauthorized {
		e.t.Errorf("%s: userinfo = %d %.200s, want 401", why, res.Status, res.Body)
		return
	}
	if h := res.Header.Get("WWW-Authenticate"); !bearerChallenge(h, "invalid_token") {
		e.t.Errorf("%s: WWW-Authenticate = %q, want Bearer error=\"invalid_token\"", why, h)
	}
}

// bearerChallenge reports whether a WWW-Authenticate value is a Bearer
// challenge (RFC 6750 §3) with the given error ("" for any).
func bearerChallenge(h, errCode string) bool {
	scheme, params, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	if errCode == "" {
		return true
	}
	return strings.Contains(params, `error="`+errCode+`"`)
}

// revoke posts to the revocation endpoint (RFC 7009 §2.1) as the client.
func (c *client) revoke(token, hint string) httpResult {
	c.e.t.Helper()
	f := url.Values{"token": {token}}
	if hint != "" {
		f.Set("token_type_hint", hint)
	}
	return c.post("/revoke", f, asRegistered)
}

// introspect posts to the introspection endpoint (RFC 7662 §2.1) as the
// client, with HTTP Basic.
func (c *client) introspect(token string) httpResult {
	c.e.t.Helper()
	return c.post("/oauth/introspect", url.Values{"token": {token}}, basicAuth)
}
