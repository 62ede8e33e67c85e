package login

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/latchkey-id/latchkey/internal/secrets"
)

// csrfFor is the CSRF token the page of browser c's session carries, or ""
// when c has no live session.
func (ts *testServer) csrfFor(c *http.Client) string {
	return ts.csrfForCookie(ts.cookie(c, sessionCookie))
}

// csrfForCookie is the CSRF token of the session a cookie value names.
func (ts *testServer) csrfForCookie(value string) string {
	if value == "" {
		return ""
	}
	s, err := ts.store.SessionByToken(ts.ctx(), secrets.Hash(value))
	if err != nil {
		return ""
	}
	return ts.handler.csrfToken(s)
}

// doWith is do with extra request headers.
func (ts *testServer) doWith(c *http.Client, method, path, contentType string, body []byte, header http.Header) response {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.base+path, bytes.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "latchkey-test/1.0")
	res, err := c.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// postCSRF posts JSON from browser c as its page would: with the CSRF
// token of c's session.
func (ts *testServer) postCSRF(c *http.Client, path string, v any) response {
	ts.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		ts.t.Fatal(err)
	}
	return ts.doWith(c, http.MethodPost, path, "application/json", b, csrfHeaderOf(ts.csrfFor(c)))
}

// csrfHeaderOf is the header that carries token, or none for "".
func csrfHeaderOf(token string) http.Header {
	h := http.Header{}
	if token != "" {
		h.Set(csrfHeader, token)
	}
	return h
}
