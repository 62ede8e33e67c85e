package login

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/latchkey-id/latchkey/internal/httpx"
)

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func TestPagesCarrySecurityHeadersAndAreNotCached(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.browser()
	ar := ts.newAuthRequest()
	for _, path := range []string{"/login?authRequestID=" + ar.ID, "/login?authRequestID=nope", "/login", "/enroll/" + ts.setupLink(), "/enroll/unknown", "/signed-out", "/consent?authRequestID=" + ar.ID, "/consent?authRequestID=nope"} {
		res := ts.get(c, path)
		if got := res.header.Get("Content-Security-Policy"); got != httpx.ContentSecurityPolicy {
			t.Errorf("%s: CSP = %q", path, got)
		}
		for k, v := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Content-Type": "text/html; charset=utf-8"} {
			if got := res.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
		if strings.Contains(string(res.body), "<script>") || strings.Contains(string(res.body), " style=") || strings.Contains(string(res.body), "<style") {
			t.Errorf("%s: inline script or style", path)
		}
	}
}

func TestFriendlyErrorPages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.browser()
	expired := ts.newAuthRequest()
	ts.clock.Advance(2 * 60 * 60 * 1e9) // past the request's hour
	tests := []struct {
		name, path string
		status     int
		text       string
	}{
		{"no request id", "/login", 400, "This sign-in has expired. Go back to the app and try again."},
		{"an unknown request", "/login?authRequestID=unknown", 400, "This sign-in has expired."},
		{"an expired request", "/login?authRequestID=" + expired.ID, 400, "This sign-in has expired."},
		{"a malformed request id", "/login?authRequestID=%00%0a", 400, "This sign-in has expired."},
		{"an unknown link", "/enroll/unknown", 410, "This link has expired or was already used."},
		{"a malformed link", "/enroll/%00", 410, "This link has expired or was already used."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ts.get(c, tt.path)
			if res.status != tt.status || !strings.Contains(string(res.body), tt.text) {
				t.Fatalf("got %d %s", res.status, res.body)
			}
		})
	}
}

func TestSignedOutPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	res := ts.get(ts.browser(), "/signed-out")
	if res.status != http.StatusOK || !strings.Contains(string(res.body), "You are signed out") {
		t.Fatalf("got %d %s", res.status, res.body)
	}
}

func TestStaticAssetsAreServedFromTheBinary(t *testing.T) {
	t.Parallel()
	r := chi.NewRouter()
	r.Get("/static/*", serveStatic)
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	for _, name := range []string{"webauthn.js", "login.js", "enroll.js", "consent.js", "latchkey.css"} {
		rec := get("/" + assetURL(name))
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("%s: %d", name, rec.Code)
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("%s: versioned URL Cache-Control = %q", name, cc)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", name)
		}
	}
	if ct := get("/static/login.js").Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("login.js Content-Type = %q", ct)
	}
	if cc := get("/static/login.js?v=old").Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("stale version Cache-Control = %q, want no-cache", cc)
	}
	for _, path := range []string{"/static/", "/static/nope.js", "/static/../static/login.js", "/static/templates/login.html"} {
		if rec := get(path); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, rec.Code)
		}
	}
}

// An https issuer makes every cookie Secure with the __Host- prefix
// (RFC 6265bis §4.1.3.2), so no other host of the domain can set them.
func TestHTTPSIssuerUsesHostPrefixedSecureCookies(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	h := *ts.handler
	h.Issuer = "https://id.example.com"
	r := chi.NewRouter()
	h.Mount(r)
	ar := ts.newAuthRequest()

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/login/passkey/begin", strings.NewReader(`{"auth_request_id":"`+ar.ID+`"}`))
	req.Header.Set("Content-Type", "application/json")
	r.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("begin: %d %s", rec.Code, rec.Body)
	}
	sc := rec.Header().Get("Set-Cookie")
	for _, want := range []string{"__Host-latchkey_ceremony=", "Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=300"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Domain=") {
		t.Errorf("Set-Cookie %q has a Domain", sc)
	}
}

func TestCheckReportsEveryMissingDependency(t *testing.T) {
	t.Parallel()
	err := (&Handler{Issuer: "not a url", Secret: []byte("short")}).Check()
	if err == nil {
		t.Fatal("Check passed an empty handler")
	}
	for _, want := range []string{"Store", "WebAuthn", "CallbackURL", "Secret", "Issuer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check error %q does not mention %s", err, want)
		}
	}
}
