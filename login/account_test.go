package login

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

func TestTheAccountPageAsksForASignInAndTheCeremonyComesBack(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	ada := ts.setupAdmin(d, "ada@example.com", "Ada")
	ts.dropRecoveryCodes(ada.ID)
	c := ts.browser()

	// No session: the sign-in page, for no app.
	page := ts.get(c, "/account")
	body := string(page.body)
	if page.status != http.StatusOK || !strings.Contains(body, "<h1>Sign in to your account</h1>") ||
		!strings.Contains(body, `data-auth-request-id=""`) || !strings.Contains(body, `class="link" hidden>`) {
		t.Fatalf("account page without a session: %d %s", page.status, body)
	}
	if page.header.Get("Content-Security-Policy") != httpx.ContentSecurityPolicy || page.header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", page.header)
	}

	now := ts.clock.Now()
	res := ts.accountSignIn(c, d)
	if res.status != http.StatusOK || res.json(t)["redirect_to"] != "/account" {
		t.Fatalf("account sign-in: %d %s", res.status, res.body)
	}
	sess := ts.browserSession(c)
	if sess.UserID != ada.ID || !sess.AuthTime.Equal(now) || !slices.Contains(sess.AMR, "mfa") {
		t.Errorf("session = %+v", sess)
	}
	if p := ts.passkey(d); !p.LastUsedAt.Equal(now) || p.SignCount != 1 {
		t.Errorf("passkey after the sign-in: %+v", p)
	}
	if got := kinds(ts.events(ada.ID)); !slices.Contains(got, "sign_in") {
		t.Errorf("events = %v", got)
	}

	page = ts.get(c, "/account")
	body = string(page.body)
	for _, want := range []string{
		`<meta name="csrf-token" content="` + ts.csrfFor(c) + `">`,
		"<h1>Your account</h1>", "<strong>ada@example.com</strong>",
		`<strong class="passkey-name">Passkey</strong>`, "This device only", "Unknown authenticator",
		"Last used 22 Nov 2026, 10:00 UTC", `data-credential-id="` + b64(d.cred.ID) + `"`,
		`data-user-id="` + b64(ada.WebAuthnID) + `"`, `data-rp-id="localhost"`,
		`<button id="add-passkey" disabled data-js type="button" class="primary">Add a passkey</button>`,
		"You have no unused recovery codes.", "Signed in with “Passkey”", "Sign out",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %s", want)
		}
	}
	// Her only passkey, and no recovery code: removing it is offered disabled.
	if !strings.Contains(body, `class="small danger remove" aria-label="Remove passkey Passkey" disabled>`) {
		t.Error("the only passkey can be removed")
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") || strings.Contains(body, "<style") {
		t.Error("the account page has inline script or style")
	}
}

func TestAnAccountCeremonyAndASignInCeremonyDoNotMix(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	ts.setupAdmin(d, "ada@example.com", "Ada")

	// Begun for the account page, finished for an app's request.
	c := ts.browser()
	begin := ts.post(c, "/login/passkey/begin", map[string]string{"auth_request_id": ""})
	ar := ts.newAuthRequest()
	res := ts.post(c, "/login/passkey/finish", map[string]any{"auth_request_id": ar.ID, "credential": d.assert(t, begin.body, ts.passkey(d).SignCount+1)})
	if res.status != http.StatusBadRequest || res.json(t)["error"] != "ceremony_expired" {
		t.Errorf("account ceremony finished for a request: %d %s", res.status, res.body)
	}
	// Begun for an app's request, finished as an account sign-in.
	c = ts.browser()
	options := ts.beginLogin(c, ar.ID, "")
	res = ts.post(c, "/login/passkey/finish", map[string]any{"credential": d.assert(t, options, ts.passkey(d).SignCount+1)})
	if res.status != http.StatusBadRequest || res.json(t)["error"] != "ceremony_expired" {
		t.Errorf("request ceremony finished for the account: %d %s", res.status, res.body)
	}
	if got := ts.authRequest(ar.ID); got.Done || ts.cookie(c, sessionCookie) != "" {
		t.Errorf("request %+v, session cookie %q", got, ts.cookie(c, sessionCookie))
	}
}

func TestManagingPasskeysFromTheBrowserSession(t *testing.T) {
	t.Parallel()
	e := newAccountEnv(t, nil)
	e.clock.Advance(time.Second)
	start := e.clock.Now().Add(-time.Millisecond)

	// The list, as the API shows it.
	res := e.call(e.c, http.MethodGet, "/api/v1/me/passkeys", nil)
	var list []passkeyJSON
	if err := jsonOf(res, &list); err != nil || res.status != http.StatusOK || len(list) != 1 || list[0].Name != "Passkey" ||
		list[0].Authenticator != nil || list[0].LastUsedAt == nil || list[0].ID != e.passkey(e.d).ID {
		t.Fatalf("list: %d %s", res.status, res.body)
	}

	// Add a second passkey: 201, named after its (known) authenticator.
	phone := e.newDevice(virtualwebauthn.AuthenticatorOptions{})
	phone.auth.Aaguid = yubikey5
	res = e.addPasskey(e.c, phone, "")
	var added passkeyJSON
	if err := jsonOf(res, &added); err != nil || res.status != http.StatusCreated || added.Name != "YubiKey 5 Series" ||
		added.Authenticator == nil || *added.Authenticator != "YubiKey 5 Series" || added.AAGUID != yubikey5UUID || added.LastUsedAt != nil {
		t.Fatalf("register finish: %d %s", res.status, res.body)
	}
	// The same authenticator again: excluded by begin, refused by finish.
	res = e.addPasskey(e.c, phone, "Again")
	if res.status != http.StatusConflict || res.json(t)["error"] != "already_registered" {
		t.Errorf("a duplicate registration: %d %s", res.status, res.body)
	}

	// Rename: trimmed, 200 with the passkey.
	res = e.call(e.c, http.MethodPatch, "/api/v1/me/passkeys/"+added.ID, map[string]string{"name": "  Ada’s key 🔑  "})
	var renamed passkeyJSON
	if err := jsonOf(res, &renamed); err != nil || res.status != http.StatusOK || renamed.Name != "Ada’s key 🔑" || renamed.ID != added.ID {
		t.Fatalf("rename: %d %s", res.status, res.body)
	}

	// Remove, within five minutes of the sign-in: no step-up needed.
	e.clock.Advance(4 * time.Minute)
	if res = e.call(e.c, http.MethodDelete, "/api/v1/me/passkeys/"+added.ID, nil); res.status != http.StatusNoContent {
		t.Fatalf("delete after a fresh sign-in: %d %s", res.status, res.body)
	}

	// Six minutes later a removal asks for a step-up first, and nothing
	// is removed until the ceremony is done.
	if res = e.addPasskey(e.c, phone, ""); res.status != http.StatusCreated {
		t.Fatalf("re-add: %d %s", res.status, res.body)
	}
	again := e.passkey(phone)
	e.clock.Advance(6 * time.Minute)
	res = e.call(e.c, http.MethodDelete, "/api/v1/me/passkeys/"+again.ID, nil)
	if res.status != http.StatusForbidden {
		t.Fatalf("delete without a fresh ceremony: %d %s", res.status, res.body)
	}
	if _, err := e.store.Passkey(e.ctx(), e.ada.ID, again.ID); err != nil {
		t.Fatalf("the passkey went before the step-up: %v", err)
	}
	before := e.browserSession(e.c)
	if fin := e.stepUpWith(e.c, e.d, res); fin.status != http.StatusNoContent {
		t.Fatalf("step-up finish: %d %s", fin.status, fin.body)
	}
	if s := e.browserSession(e.c); !s.AuthTime.Equal(e.clock.Now()) || s.ID != before.ID || !slices.Contains(s.AMR, "mfa") {
		t.Errorf("session after the step-up: %+v (before %+v)", s, before)
	}
	if res = e.call(e.c, http.MethodDelete, "/api/v1/me/passkeys/"+again.ID, nil); res.status != http.StatusNoContent {
		t.Fatalf("delete after the step-up: %d %s", res.status, res.body)
	}

	// The last passkey cannot go while no recovery code is left.
	only := e.passkey(e.d)
	res = e.call(e.c, http.MethodDelete, "/api/v1/me/passkeys/"+only.ID, nil)
	if res.status != http.StatusConflict || res.json(t)["error"] != "last_passkey" {
		t.Fatalf("delete the last passkey: %d %s", res.status, res.body)
	}

	// Recovery codes (fresh from the step-up): 201, ten of them, shown once.
	res = e.call(e.c, http.MethodPost, "/api/v1/me/recovery-codes", nil)
	var codes recoveryCodesResponse
	if err := jsonOf(res, &codes); err != nil || res.status != http.StatusCreated || len(codes.RecoveryCodes) != 10 {
		t.Fatalf("recovery codes: %d %s", res.status, res.body)
	}
	if stored, _ := e.store.RecoveryCodes(e.ctx(), e.ada.ID); len(stored) != 10 {
		t.Errorf("stored %d codes", len(stored))
	}
	if strings.Contains(string(e.get(e.c, "/account").body), codes.RecoveryCodes[0]) {
		t.Error("the account page shows a recovery code again")
	}
	// With an unused code left, the last passkey may go (after a step-up).
	if res = e.call(e.c, http.MethodDelete, "/api/v1/me/passkeys/"+only.ID, nil); res.status != http.StatusNoContent {
		t.Fatalf("delete the last passkey with recovery codes: %d %s", res.status, res.body)
	}

	// Besides the enrollment's and the sign-in's events: what this test did.
	want := []string{"passkey_added", "passkey_added", "passkey_removed", "passkey_removed", "passkey_removed",
		"passkey_renamed", "recovery_codes_created", "sign_in"}
	var mine []storage.SecurityEvent
	for _, ev := range e.events(e.ada.ID) {
		if ev.CreatedAt.After(start) || ev.Kind == "sign_in" {
			mine = append(mine, ev)
		}
	}
	if got := kinds(mine); !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	for _, ev := range mine {
		if ev.IP != "127.0.0.1" || ev.UserAgent != "latchkey-test/1.0" {
			t.Errorf("event %s from %q %q", ev.Kind, ev.IP, ev.UserAgent)
		}
	}
}

func TestSigningOutOfTheAccountPage(t *testing.T) {
	t.Parallel()
	e := newAccountEnv(t, nil)
	sess := e.browserSession(e.c)

	if res := e.callWith(e.c, http.MethodPost, "/account/sign-out", map[string]any{}, nil); res.status != http.StatusForbidden || res.json(t)["error"] != "csrf" {
		t.Fatalf("sign-out without the CSRF token: %d %s", res.status, res.body)
	}
	res := e.call(e.c, http.MethodPost, "/account/sign-out", map[string]any{})
	if res.status != http.StatusOK || res.json(t)["redirect_to"] != "/signed-out" {
		t.Fatalf("sign-out: %d %s", res.status, res.body)
	}
	if !strings.Contains(strings.Join(res.header.Values("Set-Cookie"), "\n"), sessionCookie+"=; Path=/; Max-Age=0") {
		t.Errorf("the session cookie was not cleared: %v", res.header.Values("Set-Cookie"))
	}
	if _, err := e.store.SessionByToken(e.ctx(), sess.TokenHash); err == nil {
		t.Error("the session survived the sign-out")
	}
	// The browser's old cookie no longer opens the API.
	if res := e.call(e.c, http.MethodGet, "/api/v1/me/passkeys", nil); res.status != http.StatusUnauthorized {
		t.Errorf("API after sign-out: %d %s", res.status, res.body)
	}
}

func TestTheSessionNeedsItsCSRFTokenAndTheAPIAnAuthentication(t *testing.T) {
	t.Parallel()
	e := newAccountEnv(t, nil)
	other := newAccountEnvOn(t, e.testServer, "bob@example.com")

	for _, tc := range []struct {
		name   string
		header http.Header
		status int
		code   string
	}{
		{"no CSRF token", nil, http.StatusForbidden, "csrf"},
		{"another session's CSRF token", csrfHeaderOf(e.csrfFor(other)), http.StatusForbidden, "csrf"},
		{"a made-up CSRF token", csrfHeaderOf(strings.Repeat("A", 43)), http.StatusForbidden, "csrf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.callWith(e.c, http.MethodGet, "/api/v1/me/passkeys", nil, tc.header)
			if res.status != tc.status || res.json(t)["error"] != tc.code {
				t.Errorf("%d %s", res.status, res.body)
			}
		})
	}
	res := e.call(e.browser(), http.MethodGet, "/api/v1/me/passkeys", nil)
	if res.status != http.StatusUnauthorized || res.header.Get("WWW-Authenticate") != `Bearer realm="latchkey"` || res.json(t)["error"] != "unauthorized" {
		t.Errorf("no authentication: %d %v %s", res.status, res.header, res.body)
	}
	// Without a verifier configured, a bearer token is simply invalid.
	res = e.callWith(e.browser(), http.MethodGet, "/api/v1/me/passkeys", nil, http.Header{"Authorization": {"Bearer abc"}})
	if res.status != http.StatusUnauthorized || !strings.Contains(res.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("bearer without a verifier: %d %v %s", res.status, res.header, res.body)
	}
	// An unknown endpoint or method under the API answers JSON.
	if res := e.call(e.c, http.MethodGet, "/api/v1/me/nothing", nil); res.status != http.StatusNotFound || res.json(t)["error"] != "not_found" {
		t.Errorf("unknown endpoint: %d %s", res.status, res.body)
	}
	if res := e.call(e.c, http.MethodPut, "/api/v1/me/passkeys", nil); res.status != http.StatusMethodNotAllowed || res.json(t)["error"] != "invalid_request" {
		t.Errorf("wrong method: %d %s", res.status, res.body)
	}
	// A cross-site request riding on the cookie is refused even with the token.
	h := csrfHeaderOf(e.csrfFor(e.c))
	h.Set("Sec-Fetch-Site", "cross-site")
	if res := e.callWith(e.c, http.MethodDelete, "/api/v1/me/passkeys/"+e.passkey(e.d).ID, nil, h); res.status != http.StatusForbidden || res.json(t)["error"] != "cross_origin" {
		t.Errorf("cross-site delete: %d %s", res.status, res.body)
	}
}

// newAccountEnvOn signs another person in to the account page of ts and
// returns their browser.
func newAccountEnvOn(t *testing.T, ts *testServer, email string) *http.Client {
	t.Helper()
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	_, token := ts.invite(email, "Other")
	if res := ts.enroll(ts.browser(), d, token, map[string]any{}); res.status != http.StatusOK {
		t.Fatalf("enroll %s: %d %s", email, res.status, res.body)
	}
	c := ts.browser()
	if res := ts.accountSignIn(c, d); res.status != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", email, res.status, res.body)
	}
	return c
}
