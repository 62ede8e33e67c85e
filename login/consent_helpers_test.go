package login

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// consentEnv is a test server with a person (Ada, the admin), her device
// and a client that asks for consent ("Acme Mail").
type consentEnv struct {
	*testServer
	d     *device
	admin storage.User
	app   storage.Client
}

func newConsentEnv(t *testing.T) *consentEnv {
	t.Helper()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	e := &consentEnv{testServer: ts, d: d, admin: ts.setupAdmin(d, "ada@example.com", "Ada")}
	e.app = ts.createClientWith("Acme Mail", func(c *storage.Client) { c.RequireConsent = true })
	return e
}

// createClientWith stores a client changed by edit.
func (ts *testServer) createClientWith(name string, edit func(*storage.Client)) storage.Client {
	ts.t.Helper()
	c := storage.Client{ID: secrets.ID(), Name: name, RedirectURIs: []string{"https://app.example/cb"}, Public: true, CreatedAt: ts.clock.Now()}
	edit(&c)
	if err := ts.store.CreateClient(ts.ctx(), c); err != nil {
		ts.t.Fatalf("create client: %v", err)
	}
	return c
}

// appRequest stores a request for the consent client with these scopes.
func (e *consentEnv) appRequest(scopes []string, edit ...func(*storage.AuthRequest)) storage.AuthRequest {
	e.t.Helper()
	return e.newAuthRequest(append([]func(*storage.AuthRequest){func(a *storage.AuthRequest) {
		a.ClientID, a.Scopes = e.app.ID, scopes
	}}, edit...)...)
}

// signIn runs a passkey ceremony for the request in browser c with the
// person's device d.
func (e *consentEnv) signIn(c *http.Client, d *device, authRequestID string) response {
	e.t.Helper()
	return e.login(c, d, authRequestID, "", e.passkey(d).SignCount+1)
}

// signInToConsent runs Ada's ceremony for a request that must stop at the
// consent page.
func (e *consentEnv) signInToConsent(c *http.Client, authRequestID string) {
	e.t.Helper()
	res := e.signIn(c, e.d, authRequestID)
	if res.status != http.StatusOK || res.json(e.t)["redirect_to"] != e.consentURL(authRequestID) {
		e.t.Fatalf("finish: %d %s, want redirect_to the consent page", res.status, res.body)
	}
}

func (ts *testServer) consentURL(id string) string {
	return ts.base + "/consent?authRequestID=" + url.QueryEscape(id)
}

func (ts *testServer) loginURL(id string) string {
	return ts.base + "/login?authRequestID=" + url.QueryEscape(id)
}

// decide posts a decision ("allow" or "deny") for the request from browser c.
func (ts *testServer) decide(c *http.Client, decision, authRequestID string) response {
	ts.t.Helper()
	return ts.postCSRF(c, "/consent/"+decision, map[string]string{"auth_request_id": authRequestID})
}

// storedConsent returns the person's consent to the client, or fails.
func (ts *testServer) storedConsent(userID, clientID string) storage.Consent {
	ts.t.Helper()
	c, err := ts.store.Consent(ts.ctx(), userID, clientID)
	if err != nil {
		ts.t.Fatalf("consent of %s to %s: %v", userID, clientID, err)
	}
	return c
}

// noConsent fails the test if the person has a consent to the client.
func (ts *testServer) noConsent(userID, clientID string) {
	ts.t.Helper()
	if c, err := ts.store.Consent(ts.ctx(), userID, clientID); !errors.Is(err, storage.ErrNotFound) {
		ts.t.Fatalf("consent of %s to %s = %+v, %v; want none", userID, clientID, c, err)
	}
}

// browserSession returns the session of browser c, or fails.
func (ts *testServer) browserSession(c *http.Client) storage.Session {
	ts.t.Helper()
	s, err := ts.store.SessionByToken(ts.ctx(), secrets.Hash(ts.cookie(c, sessionCookie)))
	if err != nil {
		ts.t.Fatalf("the browser has no session: %v", err)
	}
	return s
}

// postWithCookies posts JSON with exactly these cookies (no jar), and the
// CSRF token of the session cookie among them.
func (ts *testServer) postWithCookies(path string, v any, cookies ...*http.Cookie) response {
	ts.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		ts.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, ts.base+path, bytes.NewReader(b))
	if err != nil {
		ts.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for _, c := range cookies {
		req.AddCookie(c)
		if c.Name == sessionCookie {
			// The token the page of that session carries.
			req.Header.Set(csrfHeader, ts.csrfForCookie(c.Value))
		}
	}
	client := ts.browser()
	client.Jar = nil
	res, err := client.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := bufCopy(&buf, res); err != nil {
		ts.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: buf.Bytes()}
}

// jarCookie returns browser c's cookie by name as a request cookie.
func (ts *testServer) jarCookie(c *http.Client, name string) *http.Cookie {
	ts.t.Helper()
	v := ts.cookie(c, name)
	if v == "" {
		ts.t.Fatalf("the browser has no %s cookie", name)
	}
	return &http.Cookie{Name: name, Value: v}
}
