package conformance

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/testbrowser"
)

// startCallbackApp serves a stand-in relying party page at
// http://localhost:PORT/cb, where the browser lands with the code.
func startCallbackApp(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>App</title><p id="app-callback">back at the app</p>`))
	}))
	app.Listener.Close()
	app.Listener = ln
	app.Start()
	t.Cleanup(app.Close)
	return "http://localhost:" + port
}

// TestF36PromptLoginInABrowser proves F36 in Chromium with the DevTools
// virtual authenticator: after a first sign-in, single sign-on answers
// without touching the authenticator, while prompt=login shows the sign-in
// page again and runs a second WebAuthn get() — the credential's sign
// count grows by exactly one more — and the new ID token's auth_time is
// later (OIDC Core §3.1.2.1; suite: oidcc-prompt-login).
func TestF36PromptLoginInABrowser(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		app := startCallbackApp(t)
		c := e.newClient(admin.NewClient{RedirectURIs: []string{app + "/cb"}})
		u, err := e.srv.Admin.CreateUser(e.ctx, admin.NewUser{Email: "grace@example.com", Name: "Grace Hopper"})
		if err != nil {
			t.Fatal(err)
		}

		b := testbrowser.New(t, testbrowser.Options{})
		b.Run(t, "create a passkey",
			chromedp.Navigate(u.EnrollmentURL),
			chromedp.WaitVisible(chromedp.ID("create")),
			testbrowser.ClickReady(chromedp.ID("create")),
		)
		b.SaveRecoveryCodes(t)
		b.Run(t, "see the passkey ready", chromedp.WaitVisible(chromedp.ID("enroll-done")))
		signCount := func() int64 {
			t.Helper()
			creds := b.Credentials(t)
			if len(creds) != 1 {
				t.Fatalf("the authenticator holds %d passkeys, want 1", len(creds))
			}
			return int64(creds[0].SignCount)
		}
		enrolled := signCount()

		// authorize navigates to a request and reports whether the sign-in
		// page was shown (and used) and the auth_time of the ID token.
		authorize := func(what string, a *authRequest) (bool, int64) {
			t.Helper()
			b.Run(t, what,
				chromedp.Navigate(a.URL()),
				chromedp.WaitVisible(chromedp.CSS(`#signin, #app-callback`)),
			)
			loc, err := chromedp.Run(b.Ctx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			signedIn := false
			if !strings.HasPrefix(loc, app) {
				signedIn = true
				b.Run(t, what+": sign in with the passkey",
					testbrowser.ClickReady(chromedp.ID("signin")),
					chromedp.WaitVisible(chromedp.ID("app-callback")),
				)
				if loc, err = chromedp.Run(b.Ctx, chromedp.Location()); err != nil {
					t.Fatal(err)
				}
			}
			u, err := url.Parse(loc)
			if err != nil || u.Query().Get("code") == "" || u.Query().Get("state") != a.get("state") {
				t.Fatalf("%s: the browser landed on %s", what, loc)
			}
			claims := claimsOf(t, c.redeem(u.Query().Get("code"), a.Verifier).IDToken)
			return signedIn, num(t, claims, "auth_time")
		}

		page, first := authorize("first sign-in", c.authorization())
		afterFirst := signCount()
		if !page || afterFirst != enrolled+1 {
			t.Fatalf("first sign-in: page %v, sign count %d → %d, want one get()", page, enrolled, afterFirst)
		}

		page, sso := authorize("single sign-on", c.authorization())
		if page || signCount() != afterFirst || sso != first {
			t.Errorf("single sign-on: page %v, sign count %d → %d, auth_time %d → %d; want no ceremony", page, afterFirst, signCount(), first, sso)
		}

		e.srv.Clock.Advance(5 * time.Second)
		page, again := authorize("prompt=login", c.authorization().set("prompt", "login"))
		if !page {
			t.Error("prompt=login answered from the session without showing the sign-in page")
		}
		if got := signCount(); got != afterFirst+1 {
			t.Errorf("prompt=login: sign count %d → %d, want exactly one more get()", afterFirst, got)
		}
		if again <= first {
			t.Errorf("prompt=login: auth_time %d, want later than %d", again, first)
		}
	})
}
