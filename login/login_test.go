package login

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

type requestOptions struct {
	PublicKey struct {
		Challenge        string `json:"challenge"`
		Timeout          int    `json:"timeout"`
		RPID             string `json:"rpId"`
		UserVerification string `json:"userVerification"`
		AllowCredentials []struct {
			Type       string   `json:"type"`
			ID         string   `json:"id"`
			Transports []string `json:"transports"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

func parseRequestOptions(t *testing.T, b []byte) requestOptions {
	t.Helper()
	var o requestOptions
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("request options %s: %v", b, err)
	}
	return o
}

func TestDiscoverableLoginCompletesTheAuthRequest(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	admin := ts.setupAdmin(d, "ada@example.com", "Ada")
	c := ts.browser()
	ar := ts.newAuthRequest()

	page := ts.get(c, "/login?authRequestID="+ar.ID)
	if page.status != http.StatusOK {
		t.Fatalf("login page: %d %s", page.status, page.body)
	}
	for _, want := range []string{
		"Sign in to Acme Wiki", ">Sign in with a passkey</button>", `autocomplete="username webauthn"`,
		">Return to Acme Wiki</button>", `id="error"`, `data-auth-request-id="` + ar.ID + `"`,
	} {
		if !strings.Contains(string(page.body), want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if strings.Contains(string(page.body), "<script>") || strings.Contains(string(page.body), "style=") {
		t.Error("login page has inline script or style")
	}

	options := ts.beginLogin(c, ar.ID, "")
	o := parseRequestOptions(t, options)
	if len(o.PublicKey.AllowCredentials) != 0 || o.PublicKey.UserVerification != "required" || o.PublicKey.RPID != "localhost" || o.PublicKey.Timeout != 300000 {
		t.Fatalf("discoverable options = %s", options)
	}
	if strings.Contains(string(options), `"allowCredentials"`) {
		t.Errorf("discoverable options carry allowCredentials: %s", options)
	}

	ts.clock.Advance(time.Minute)
	finish := ts.post(c, "/login/passkey/finish", map[string]any{"auth_request_id": ar.ID, "credential": d.assert(t, options, 1)})
	if finish.status != http.StatusOK {
		t.Fatalf("finish: %d %s", finish.status, finish.body)
	}
	if got := finish.json(t)["redirect_to"]; got != ts.handler.CallbackURL(ar.ID) {
		t.Fatalf("redirect_to = %v", got)
	}

	now := ts.clock.Now()
	done := ts.authRequest(ar.ID)
	if !done.Done || done.UserID != admin.ID || !done.AuthTime.Equal(now) || done.SessionID == "" {
		t.Fatalf("completed request = %+v", done)
	}
	if !slices.Equal(done.AMR, []string{"hwk", "user", "mfa"}) {
		t.Errorf("AMR = %v, want [hwk user mfa]", done.AMR)
	}

	// The session cookie: HttpOnly, SameSite=Lax, Path=/, not Secure on http.
	var setCookie string
	for _, v := range finish.header.Values("Set-Cookie") {
		if strings.HasPrefix(v, sessionCookie+"=") {
			setCookie = v
		}
	}
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"} {
		if !strings.Contains(setCookie, attr) {
			t.Errorf("session cookie %q lacks %s", setCookie, attr)
		}
	}
	if strings.Contains(setCookie, "Secure") {
		t.Error("session cookie is Secure on an http issuer")
	}
	sess, err := ts.store.SessionByToken(ts.ctx(), secrets.Hash(ts.cookie(c, sessionCookie)))
	if err != nil {
		t.Fatalf("no session for the cookie: %v", err)
	}
	if sess.ID != done.SessionID || sess.UserID != admin.ID || !sess.AuthTime.Equal(now) || sess.IP != "127.0.0.1" ||
		sess.UserAgent != "latchkey-test/1.0" || !sess.ExpiresAt.Equal(now.Add(12*time.Hour)) || !slices.Equal(sess.AMR, done.AMR) {
		t.Errorf("session = %+v", sess)
	}

	p := ts.passkey(d)
	if p.SignCount != 1 || !p.LastUsedAt.Equal(now) || p.CloneWarning {
		t.Errorf("passkey after sign-in = count %d last used %v clone %v", p.SignCount, p.LastUsedAt, p.CloneWarning)
	}
}

func TestEmailLoginNarrowsToThePersonsPasskeys(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	admin := ts.setupAdmin(d, "ada@example.com", "Ada")
	c := ts.browser()
	ar := ts.newAuthRequest()

	options := ts.beginLogin(c, ar.ID, "  ADA@example.com ")
	o := parseRequestOptions(t, options)
	if len(o.PublicKey.AllowCredentials) != 1 || o.PublicKey.AllowCredentials[0].ID != b64(d.cred.ID) ||
		o.PublicKey.AllowCredentials[0].Type != "public-key" || o.PublicKey.UserVerification != "required" {
		t.Fatalf("email options = %s", options)
	}
	finish := ts.post(c, "/login/passkey/finish", map[string]any{"auth_request_id": ar.ID, "credential": d.assert(t, options, 7)})
	if finish.status != http.StatusOK {
		t.Fatalf("finish: %d %s", finish.status, finish.body)
	}
	if got := ts.authRequest(ar.ID); !got.Done || got.UserID != admin.ID {
		t.Fatalf("request = %+v", got)
	}
	if p := ts.passkey(d); p.SignCount != 7 {
		t.Fatalf("sign count = %d, want 7", p.SignCount)
	}
}

func TestSyncedPasskeyWritesBackupStateAndKeepsAZeroCounter(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{BackupEligible: true})
	ts.setupAdmin(d, "ada@example.com", "Ada")
	if p := ts.passkey(d); !p.BackupEligible || p.BackupState {
		t.Fatalf("registered BE %v BS %v, want true false", p.BackupEligible, p.BackupState)
	}

	// Synced passkeys report a counter that stays 0: that is fine, twice.
	d.auth.Options.BackupState = true
	for i := range 2 {
		c := ts.browser()
		ar := ts.newAuthRequest()
		ts.clock.Advance(time.Second)
		if res := ts.login(c, d, ar.ID, "", 0); res.status != http.StatusOK {
			t.Fatalf("sign-in %d: %d %s", i, res.status, res.body)
		}
		if amr := ts.authRequest(ar.ID).AMR; !slices.Equal(amr, []string{"swk", "user", "mfa"}) {
			t.Errorf("AMR = %v, want [swk user mfa]", amr)
		}
	}
	p := ts.passkey(d)
	if !p.BackupState || p.SignCount != 0 || p.CloneWarning || !p.LastUsedAt.Equal(ts.clock.Now()) {
		t.Fatalf("passkey = BS %v count %d clone %v used %v", p.BackupState, p.SignCount, p.CloneWarning, p.LastUsedAt)
	}
}

func TestACounterThatGoesBackIsRefusedAndLogged(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	ts.setupAdmin(d, "ada@example.com", "Ada")
	if res := ts.login(ts.browser(), d, ts.newAuthRequest().ID, "", 5); res.status != http.StatusOK {
		t.Fatalf("first sign-in: %d %s", res.status, res.body)
	}
	c := ts.browser()
	ar := ts.newAuthRequest()
	res := ts.login(c, d, ar.ID, "", 3)
	if res.status != http.StatusBadRequest || res.json(t)["error"] != "invalid_credential" {
		t.Fatalf("cloned sign-in: %d %s", res.status, res.body)
	}
	if got := ts.authRequest(ar.ID); got.Done {
		t.Error("the request was completed")
	}
	if p := ts.passkey(d); p.SignCount != 5 {
		t.Errorf("sign count = %d, want 5 (unchanged)", p.SignCount)
	}
	if ts.cookie(c, sessionCookie) != "" {
		t.Error("a session cookie was set")
	}
	if !strings.Contains(ts.logs.String(), "passkey.counter_regression") {
		t.Error("no security event was logged")
	}
}

func TestAnExistingSessionSignsInWithoutACeremony(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	admin := ts.setupAdmin(d, "ada@example.com", "Ada")
	c := ts.browser()
	first := ts.newAuthRequest()
	if res := ts.login(c, d, first.ID, "", 1); res.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", res.status, res.body)
	}
	signedIn := ts.authRequest(first.ID)

	ts.clock.Advance(10 * time.Minute)
	tests := []struct {
		name string
		edit func(*storage.AuthRequest)
	}{
		{"no prompt", func(*storage.AuthRequest) {}},
		{"prompt=none", func(a *storage.AuthRequest) { a.Prompt = []string{"none"} }},
		{"max_age not reached", func(a *storage.AuthRequest) { a.MaxAge = ptr(int64(10000)) }},
		{"id_token_hint of the same person", func(a *storage.AuthRequest) { a.HintSubject = admin.ID }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ar := ts.newAuthRequest(tt.edit)
			res := ts.get(c, "/login?authRequestID="+ar.ID)
			if res.status != http.StatusFound || res.header.Get("Location") != ts.handler.CallbackURL(ar.ID) {
				t.Fatalf("got %d to %q, want 302 to the callback", res.status, res.header.Get("Location"))
			}
			got := ts.authRequest(ar.ID)
			// Same sign-in: the session's auth time and AMR, not now's.
			if !got.Done || got.UserID != admin.ID || !got.AuthTime.Equal(signedIn.AuthTime) ||
				got.SessionID != signedIn.SessionID || !slices.Equal(got.AMR, signedIn.AMR) {
				t.Fatalf("request = %+v, want the session's sign-in %+v", got, signedIn)
			}
		})
	}
}

func TestReauthenticationIsForcedWhenTheRequestAsks(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	ts.setupAdmin(d, "ada@example.com", "Ada")
	c := ts.browser()
	if res := ts.login(c, d, ts.newAuthRequest().ID, "", 1); res.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", res.status, res.body)
	}
	counter := uint32(1)

	tests := []struct {
		name string
		edit func(*storage.AuthRequest)
	}{
		{"prompt=login", func(a *storage.AuthRequest) { a.Prompt = []string{"login"} }},
		{"max_age=0", func(a *storage.AuthRequest) { a.MaxAge = ptr(int64(0)) }},
		{"max_age shorter than the session's age", func(a *storage.AuthRequest) { a.MaxAge = ptr(int64(60)) }},
		{"id_token_hint of another person", func(a *storage.AuthRequest) { a.HintSubject = secrets.ID() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts.clock.Advance(2 * time.Minute) // the session is now 2 minutes old
			ar := ts.newAuthRequest(tt.edit)
			res := ts.get(c, "/login?authRequestID="+ar.ID)
			if res.status != http.StatusOK || !strings.Contains(string(res.body), "Sign in with a passkey") {
				t.Fatalf("got %d, want the sign-in page", res.status)
			}
			if got := ts.authRequest(ar.ID); got.Done || got.Error != "" {
				t.Fatalf("request = %+v, want it untouched", got)
			}
			// And the new ceremony gives a later auth time.
			counter++
			if res := ts.login(c, d, ar.ID, "", counter); res.status != http.StatusOK {
				t.Fatalf("new ceremony: %d %s", res.status, res.body)
			}
			if got := ts.authRequest(ar.ID); !got.AuthTime.Equal(ts.clock.Now()) {
				t.Fatalf("auth time %v, want now %v", got.AuthTime, ts.clock.Now())
			}
		})
	}
}

func TestPromptNone(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	ts.setupAdmin(d, "ada@example.com", "Ada")

	t.Run("without a session fails with login_required and no page", func(t *testing.T) {
		ar := ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"none"} })
		res := ts.get(ts.browser(), "/login?authRequestID="+ar.ID)
		if res.status != http.StatusFound || res.header.Get("Location") != ts.handler.CallbackURL(ar.ID) {
			t.Fatalf("got %d to %q", res.status, res.header.Get("Location"))
		}
		if got := ts.authRequest(ar.ID); got.Error != "login_required" || got.Done {
			t.Fatalf("request = %+v", got)
		}
	})

	c := ts.browser()
	if res := ts.login(c, d, ts.newAuthRequest().ID, "", 1); res.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", res.status, res.body)
	}
	tests := []struct {
		name, wantError string
		edit            func(*storage.AuthRequest)
	}{
		{"with a session for another person fails with login_required", "login_required", func(a *storage.AuthRequest) { a.HintSubject = secrets.ID() }},
		{"with max_age=0 fails with login_required", "login_required", func(a *storage.AuthRequest) { a.MaxAge = ptr(int64(0)) }},
		{"combined with login fails with invalid_request", "invalid_request", func(a *storage.AuthRequest) { a.Prompt = append(a.Prompt, "login") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ar := ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"none"} }, tt.edit)
			res := ts.get(c, "/login?authRequestID="+ar.ID)
			if res.status != http.StatusFound {
				t.Fatalf("got %d, want 302", res.status)
			}
			if got := ts.authRequest(ar.ID); got.Error != tt.wantError || got.Done {
				t.Fatalf("request = %+v, want error %s", got, tt.wantError)
			}
		})
	}
}

func TestCancelSendsAccessDeniedToTheApp(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.browser()
	ar := ts.newAuthRequest()
	res := ts.post(c, "/login/cancel", map[string]string{"auth_request_id": ar.ID})
	if res.status != http.StatusOK || res.json(t)["redirect_to"] != ts.handler.CallbackURL(ar.ID) {
		t.Fatalf("cancel: %d %s", res.status, res.body)
	}
	got := ts.authRequest(ar.ID)
	if got.Error != "access_denied" || got.ErrorDescription != "The sign-in was cancelled." || got.Done {
		t.Fatalf("request = %+v", got)
	}
	// The sign-in is over: its page says so.
	if page := ts.get(c, "/login?authRequestID="+ar.ID); page.status != http.StatusBadRequest || !strings.Contains(string(page.body), "This sign-in has expired. Go back to the app and try again.") {
		t.Fatalf("page after cancel: %d %s", page.status, page.body)
	}
}

func TestANewSignInReplacesTheBrowsersSession(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	ts.setupAdmin(d, "ada@example.com", "Ada")
	c := ts.browser()
	if res := ts.login(c, d, ts.newAuthRequest().ID, "", 1); res.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", res.status, res.body)
	}
	oldToken := ts.cookie(c, sessionCookie)
	old, err := ts.store.SessionByToken(ts.ctx(), secrets.Hash(oldToken))
	if err != nil {
		t.Fatal(err)
	}

	ar := ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"login"} })
	if res := ts.login(c, d, ar.ID, "", 2); res.status != http.StatusOK {
		t.Fatalf("second sign-in: %d %s", res.status, res.body)
	}
	newToken := ts.cookie(c, sessionCookie)
	if newToken == "" || newToken == oldToken {
		t.Fatal("the session cookie did not change")
	}
	if _, err := ts.store.SessionByToken(ts.ctx(), secrets.Hash(oldToken)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("old session: %v, want ErrNotFound", err)
	}
	if got := ts.authRequest(ar.ID); got.SessionID == old.ID {
		t.Error("the request names the old session")
	}
	if n := ts.countRows("sessions"); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
}

func TestCurrentSessionAndEndSession(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	admin := ts.setupAdmin(d, "ada@example.com", "Ada")
	c := ts.browser()
	if res := ts.login(c, d, ts.newAuthRequest().ID, "", 1); res.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", res.status, res.body)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.base+"/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: ts.cookie(c, sessionCookie)})

	s, ok := ts.handler.CurrentSession(req)
	if !ok || s.UserID != admin.ID {
		t.Fatalf("CurrentSession = %+v %v", s, ok)
	}
	rec := newRecorder()
	if err := ts.handler.EndSession(rec, req); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("EndSession did not clear the cookie: %q", rec.Header().Get("Set-Cookie"))
	}
	if _, ok := ts.handler.CurrentSession(req); ok {
		t.Error("the session survived EndSession")
	}
	// Without a cookie there is nothing to end.
	bare, _ := http.NewRequest(http.MethodGet, ts.base+"/", nil)
	if err := ts.handler.EndSession(newRecorder(), bare); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
