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

func TestFirstPartyClientsNeverAskForConsent(t *testing.T) {
	t.Parallel()
	e := newConsentEnv(t)
	c := e.browser()
	// prompt=consent too: only clients registered with RequireConsent ask.
	ar := e.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"consent"} })
	res := e.signIn(c, e.d, ar.ID)
	if res.status != http.StatusOK || res.json(t)["redirect_to"] != e.handler.CallbackURL(ar.ID) {
		t.Fatalf("finish: %d %s, want redirect_to the callback", res.status, res.body)
	}
	if got := e.authRequest(ar.ID); !got.Done || got.UserID != e.admin.ID {
		t.Fatalf("request = %+v", got)
	}
	ar = e.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"consent"} })
	if res := e.get(c, "/login?authRequestID="+ar.ID); res.status != http.StatusFound || res.header.Get("Location") != e.handler.CallbackURL(ar.ID) {
		t.Fatalf("from the session: %d to %q, want the callback", res.status, res.header.Get("Location"))
	}
	e.noConsent(e.admin.ID, e.client.ID)
	if ts := e.cookie(c, consentCookie); ts != "" {
		t.Errorf("a consent cookie was set: %q", ts)
	}
}

func TestAllowingConsentCompletesTheSignIn(t *testing.T) {
	t.Parallel()
	e := newConsentEnv(t)
	c := e.browser()
	ar := e.appRequest([]string{"openid", "groups", "passkeys", "email", "offline_access", "profile"})
	e.clock.Advance(time.Minute)
	ceremony := e.clock.Now()
	e.signInToConsent(c, ar.ID)

	// The ceremony wrote the session and the passkey's use, not the request.
	if got := e.authRequest(ar.ID); got.Done || got.Error != "" || got.UserID != "" {
		t.Fatalf("request after the ceremony = %+v, want it open", got)
	}
	sess := e.browserSession(c)
	if sess.UserID != e.admin.ID || !sess.AuthTime.Equal(ceremony) {
		t.Fatalf("session = %+v", sess)
	}
	if p := e.passkey(e.d); !p.LastUsedAt.Equal(ceremony) {
		t.Errorf("passkey last used %v, want %v", p.LastUsedAt, ceremony)
	}

	page := e.get(c, "/consent?authRequestID="+ar.ID)
	if page.status != http.StatusOK {
		t.Fatalf("consent page: %d %s", page.status, page.body)
	}
	body := string(page.body)
	// Known scopes in plain words, in a fixed order; "groups" is ignored.
	want := []string{`<meta name="csrf-token" content="` + e.csrfFor(c) + `">`, `data-auth-request-id="` + ar.ID + `"`, "Allow Acme Mail?", "<strong>Acme Mail</strong> asks to:",
		"<li>Know who you are</li>", "<li>See your name</li>", "<li>See your email address</li>",
		"<li>Stay signed in when you are not using it</li>", "<li>Manage your passkeys</li>",
		"<strong>ada@example.com</strong>",
		`<button id="allow" disabled data-js type="button" class="primary">Allow</button>`,
		`<button id="deny" disabled data-js type="button" class="secondary">Deny</button>`}
	last := -1
	for _, w := range want {
		i := strings.Index(body, w)
		if i < 0 {
			t.Errorf("consent page lacks %s", w)
		} else if i < last {
			t.Errorf("consent page has %s out of order", w)
		} else {
			last = i
		}
	}
	if strings.Contains(body, "groups") {
		t.Error("consent page shows the unknown scope")
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") || strings.Contains(body, "<style") {
		t.Error("consent page has inline script or style")
	}
	if page.header.Get("Content-Security-Policy") != httpx.ContentSecurityPolicy || page.header.Get("Cache-Control") != "no-store" {
		t.Errorf("consent page headers: %v", page.header)
	}

	e.clock.Advance(30 * time.Second)
	res := e.decide(c, "allow", ar.ID)
	if res.status != http.StatusOK || res.json(t)["redirect_to"] != e.handler.CallbackURL(ar.ID) {
		t.Fatalf("allow: %d %s", res.status, res.body)
	}
	// The request carries the ceremony's sign-in, not the click's time.
	got := e.authRequest(ar.ID)
	if !got.Done || got.UserID != e.admin.ID || !got.AuthTime.Equal(ceremony) || got.SessionID != sess.ID ||
		!slices.Equal(got.AMR, sess.AMR) || !slices.Equal(got.AMR, []string{"hwk", "user", "mfa"}) {
		t.Fatalf("request after allow = %+v, want the session's sign-in %+v", got, sess)
	}
	consent := e.storedConsent(e.admin.ID, e.app.ID)
	if !slices.Equal(consent.Scopes, []string{"openid", "profile", "email", "offline_access", "passkeys"}) ||
		!consent.CreatedAt.Equal(e.clock.Now()) || !consent.UpdatedAt.Equal(e.clock.Now()) {
		t.Fatalf("stored consent = %+v", consent)
	}
	if !strings.Contains(strings.Join(res.header.Values("Set-Cookie"), "\n"), consentCookie+"=; Path=/; Max-Age=0") {
		t.Errorf("allow did not clear the consent cookie: %v", res.header.Values("Set-Cookie"))
	}
	// Decided: the page and a second decision say the sign-in is over.
	if page := e.get(c, "/consent?authRequestID="+ar.ID); page.status != http.StatusBadRequest {
		t.Errorf("consent page after allow: %d", page.status)
	}
	if res := e.decide(c, "deny", ar.ID); res.status != http.StatusGone {
		t.Errorf("deny after allow: %d %s", res.status, res.body)
	}
}

func TestDenyingConsentSendsAccessDeniedToTheApp(t *testing.T) {
	t.Parallel()
	e := newConsentEnv(t)
	c := e.browser()
	ar := e.appRequest([]string{"openid", "email"})
	e.signInToConsent(c, ar.ID)
	res := e.decide(c, "deny", ar.ID)
	if res.status != http.StatusOK || res.json(t)["redirect_to"] != e.handler.CallbackURL(ar.ID) {
		t.Fatalf("deny: %d %s", res.status, res.body)
	}
	got := e.authRequest(ar.ID)
	if got.Error != "access_denied" || got.ErrorDescription != "The person declined." || got.Done {
		t.Fatalf("request after deny = %+v", got)
	}
	e.noConsent(e.admin.ID, e.app.ID)
	// Declining an app does not sign the person out.
	e.browserSession(c)
}

func TestConsentIsRememberedPerPersonClientAndScopes(t *testing.T) {
	t.Parallel()
	e := newConsentEnv(t)
	c := e.browser()
	first := e.appRequest([]string{"openid", "email"})
	e.signInToConsent(c, first.ID)
	if res := e.decide(c, "allow", first.ID); res.status != http.StatusOK {
		t.Fatalf("allow: %d %s", res.status, res.body)
	}
	granted := e.storedConsent(e.admin.ID, e.app.ID)

	// From the session, GET /login either completes at once or goes to
	// the consent page.
	fromSession := func(t *testing.T, ar storage.AuthRequest, wantConsent bool) {
		t.Helper()
		res := e.get(c, "/login?authRequestID="+ar.ID)
		want := e.handler.CallbackURL(ar.ID)
		if wantConsent {
			want = e.consentURL(ar.ID)
		}
		if res.status != http.StatusFound || res.header.Get("Location") != want {
			t.Fatalf("got %d to %q, want 302 to %q", res.status, res.header.Get("Location"), want)
		}
		if got := e.authRequest(ar.ID); got.Done == wantConsent || got.Error != "" {
			t.Fatalf("request = %+v", got)
		}
	}
	tests := []struct {
		name        string
		scopes      []string
		prompt      []string
		wantConsent bool
	}{
		{"the same scopes skip the page", []string{"email", "openid"}, nil, false},
		{"fewer scopes skip the page", []string{"openid"}, nil, false},
		{"an unknown scope is not asked for", []string{"openid", "email", "groups"}, nil, false},
		{"a wider scope set asks again", []string{"openid", "email", "profile"}, nil, true},
		{"prompt=consent asks for granted scopes", []string{"openid"}, []string{"consent"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fromSession(t, e.appRequest(tt.scopes, func(a *storage.AuthRequest) { a.Prompt = tt.prompt }), tt.wantConsent)
		})
	}

	// Allowing the wider set adds to what was granted and keeps the date.
	e.clock.Advance(time.Hour)
	wider := e.appRequest([]string{"openid", "profile"})
	fromSession(t, wider, true)
	if res := e.decide(c, "allow", wider.ID); res.status != http.StatusOK {
		t.Fatalf("allow the wider set: %d %s", res.status, res.body)
	}
	got := e.storedConsent(e.admin.ID, e.app.ID)
	if !slices.Equal(got.Scopes, []string{"openid", "email", "profile"}) || !got.CreatedAt.Equal(granted.CreatedAt) ||
		!got.UpdatedAt.Equal(e.clock.Now()) {
		t.Fatalf("consent after the wider allow = %+v, first %+v", got, granted)
	}
	fromSession(t, e.appRequest([]string{"openid", "email", "profile"}), false)

	// A fresh ceremony within the granted scopes completes at once too.
	ar := e.appRequest([]string{"openid", "profile"}, func(a *storage.AuthRequest) { a.Prompt = []string{"login"} })
	res := e.signIn(c, e.d, ar.ID)
	if res.status != http.StatusOK || res.json(t)["redirect_to"] != e.handler.CallbackURL(ar.ID) {
		t.Fatalf("finish: %d %s, want redirect_to the callback", res.status, res.body)
	}
	if got := e.authRequest(ar.ID); !got.Done || !got.AuthTime.Equal(e.clock.Now()) {
		t.Fatalf("request = %+v", got)
	}

	// Another person has consented to nothing.
	bobDevice := e.newDevice(virtualwebauthn.AuthenticatorOptions{})
	bob, token := e.invite("bob@example.com", "Bob")
	if res := e.enroll(e.browser(), bobDevice, token, map[string]any{}); res.status != http.StatusOK {
		t.Fatalf("enroll bob: %d %s", res.status, res.body)
	}
	bar := e.appRequest([]string{"openid"})
	if res := e.signIn(e.browser(), bobDevice, bar.ID); res.status != http.StatusOK || res.json(t)["redirect_to"] != e.consentURL(bar.ID) {
		t.Fatalf("bob's finish: %d %s, want the consent page", res.status, res.body)
	}
	e.noConsent(bob.ID, e.app.ID)
}

func TestPromptNoneFailsWithConsentRequiredWhenConsentIsMissing(t *testing.T) {
	t.Parallel()
	e := newConsentEnv(t)
	c := e.browser()
	if res := e.signIn(c, e.d, e.newAuthRequest().ID); res.status != http.StatusOK {
		t.Fatalf("first-party sign-in: %d %s", res.status, res.body)
	}
	none := func(a *storage.AuthRequest) { a.Prompt = []string{"none"} }

	ar := e.appRequest([]string{"openid"}, none)
	res := e.get(c, "/login?authRequestID="+ar.ID)
	if res.status != http.StatusFound || res.header.Get("Location") != e.handler.CallbackURL(ar.ID) {
		t.Fatalf("got %d to %q, want 302 to the callback", res.status, res.header.Get("Location"))
	}
	if got := e.authRequest(ar.ID); got.Error != "consent_required" || got.Done {
		t.Fatalf("request = %+v", got)
	}

	// A custom UI that runs a ceremony for a prompt=none request gets the
	// same answer; the sign-in itself is recorded.
	ar = e.appRequest([]string{"openid"}, none)
	before := e.browserSession(c)
	res = e.signIn(c, e.d, ar.ID)
	if res.status != http.StatusOK || res.json(t)["redirect_to"] != e.handler.CallbackURL(ar.ID) {
		t.Fatalf("finish: %d %s, want redirect_to the callback", res.status, res.body)
	}
	if got := e.authRequest(ar.ID); got.Error != "consent_required" || got.Done {
		t.Fatalf("request after the ceremony = %+v", got)
	}
	if after := e.browserSession(c); after.ID == before.ID {
		t.Error("the ceremony created no new session")
	}

	// Once the person has consented, prompt=none signs in silently.
	granted := e.appRequest([]string{"openid", "email"})
	if res := e.get(c, "/login?authRequestID="+granted.ID); res.status != http.StatusFound || res.header.Get("Location") != e.consentURL(granted.ID) {
		t.Fatalf("to consent: %d %q", res.status, res.header.Get("Location"))
	}
	if res := e.decide(c, "allow", granted.ID); res.status != http.StatusOK {
		t.Fatalf("allow: %d %s", res.status, res.body)
	}
	ar = e.appRequest([]string{"email"}, none)
	res = e.get(c, "/login?authRequestID="+ar.ID)
	if res.status != http.StatusFound || res.header.Get("Location") != e.handler.CallbackURL(ar.ID) {
		t.Fatalf("got %d to %q", res.status, res.header.Get("Location"))
	}
	if got := e.authRequest(ar.ID); !got.Done || got.UserID != e.admin.ID {
		t.Fatalf("request = %+v", got)
	}
}

func TestOnlyTheSessionThatSignedInCanDecide(t *testing.T) {
	t.Parallel()
	e := newConsentEnv(t)
	ada := e.browser()
	ar := e.appRequest([]string{"openid", "email"})
	e.signInToConsent(ada, ar.ID)

	bobDevice := e.newDevice(virtualwebauthn.AuthenticatorOptions{})
	bob, token := e.invite("bob@example.com", "Bob")
	if res := e.enroll(e.browser(), bobDevice, token, map[string]any{}); res.status != http.StatusOK {
		t.Fatalf("enroll bob: %d %s", res.status, res.body)
	}
	bobs := e.browser()
	if res := e.signIn(bobs, bobDevice, e.newAuthRequest().ID); res.status != http.StatusOK {
		t.Fatalf("bob's sign-in: %d %s", res.status, res.body)
	}
	bobSession := e.jarCookie(bobs, sessionCookie)
	adasBinding := e.jarCookie(ada, consentCookie)

	for _, decision := range []string{"allow", "deny"} {
		if res := e.decide(bobs, decision, ar.ID); res.status != http.StatusForbidden || res.json(t)["error"] != "wrong_session" {
			t.Errorf("bob's %s: %d %s, want 403 wrong_session", decision, res.status, res.body)
		}
		// Ada's cookie does not help: it binds the request to her session.
		res := e.postWithCookies("/consent/"+decision, map[string]string{"auth_request_id": ar.ID}, bobSession, adasBinding)
		if res.status != http.StatusForbidden || res.json(t)["error"] != "wrong_session" {
			t.Errorf("bob's %s with Ada's consent cookie: %d %s", decision, res.status, res.body)
		}
	}
	// Bob's browser on the page is sent back to sign in.
	if res := e.get(bobs, "/consent?authRequestID="+ar.ID); res.status != http.StatusFound || res.header.Get("Location") != e.loginURL(ar.ID) {
		t.Errorf("bob's consent page: %d to %q, want /login", res.status, res.header.Get("Location"))
	}
	if got := e.authRequest(ar.ID); got.Done || got.Error != "" {
		t.Fatalf("bob changed the request: %+v", got)
	}
	e.noConsent(bob.ID, e.app.ID)
	e.noConsent(e.admin.ID, e.app.ID)
	if !strings.Contains(e.logs.String(), "consent.unbound_session") {
		t.Error("no security event was logged")
	}

	if res := e.decide(ada, "allow", ar.ID); res.status != http.StatusOK {
		t.Fatalf("ada's allow: %d %s", res.status, res.body)
	}
	if got := e.authRequest(ar.ID); !got.Done || got.UserID != e.admin.ID {
		t.Fatalf("request = %+v", got)
	}
}

// The consent page must not become a way around prompt=login or max_age:
// a session that /login would not accept for the request cannot decide it.
func TestAnOlderSessionCannotSkipAReauthentication(t *testing.T) {
	t.Parallel()
	e := newConsentEnv(t)
	c := e.browser()
	if res := e.signIn(c, e.d, e.newAuthRequest().ID); res.status != http.StatusOK {
		t.Fatalf("first-party sign-in: %d %s", res.status, res.body)
	}
	old := e.browserSession(c)
	e.clock.Advance(10 * time.Minute)
	for name, edit := range map[string]func(*storage.AuthRequest){
		"prompt=login": func(a *storage.AuthRequest) { a.Prompt = []string{"login"} },
		"max_age=60":   func(a *storage.AuthRequest) { a.MaxAge = ptr(int64(60)) },
	} {
		t.Run(name, func(t *testing.T) {
			ar := e.appRequest([]string{"openid"}, edit)
			if res := e.decide(c, "allow", ar.ID); res.status != http.StatusForbidden || res.json(t)["error"] != "wrong_session" {
				t.Fatalf("allow from the old session: %d %s", res.status, res.body)
			}
			if res := e.get(c, "/consent?authRequestID="+ar.ID); res.status != http.StatusFound || res.header.Get("Location") != e.loginURL(ar.ID) {
				t.Fatalf("consent page: %d to %q, want /login", res.status, res.header.Get("Location"))
			}
			if page := e.get(c, "/login?authRequestID="+ar.ID); page.status != http.StatusOK || !strings.Contains(string(page.body), "Sign in with a passkey") {
				t.Fatalf("login page: %d, want the sign-in page", page.status)
			}
			if got := e.authRequest(ar.ID); got.Done || got.Error != "" {
				t.Fatalf("request = %+v", got)
			}
		})
	}

	// The new ceremony's session is the one that decides.
	ar := e.appRequest([]string{"openid"}, func(a *storage.AuthRequest) { a.Prompt = []string{"login"} })
	e.signInToConsent(c, ar.ID)
	if res := e.decide(c, "allow", ar.ID); res.status != http.StatusOK {
		t.Fatalf("allow: %d %s", res.status, res.body)
	}
	if got := e.authRequest(ar.ID); !got.Done || got.SessionID == old.ID || !got.AuthTime.Equal(e.clock.Now()) {
		t.Fatalf("request = %+v, want the new ceremony's sign-in", got)
	}
}

func TestTheConsentPageWithoutASessionGoesBackToSignIn(t *testing.T) {
	t.Parallel()
	e := newConsentEnv(t)
	ar := e.appRequest([]string{"openid"})
	res := e.get(e.browser(), "/consent?authRequestID="+ar.ID)
	if res.status != http.StatusFound || res.header.Get("Location") != e.loginURL(ar.ID) {
		t.Fatalf("got %d to %q, want 302 to /login", res.status, res.header.Get("Location"))
	}
	for _, path := range []string{"/consent", "/consent?authRequestID=unknown", "/consent?authRequestID=%00"} {
		if res := e.get(e.browser(), path); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "This sign-in has expired.") {
			t.Errorf("%s: %d %s", path, res.status, res.body)
		}
	}
}
