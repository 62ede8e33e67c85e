package login

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/latchkey-id/latchkey/internal/testbrowser"
	"github.com/latchkey-id/latchkey/storage"
)

// TestBrowserConsent drives the consent page in Chromium: a sign-in to a
// client that asks for consent stops at the page, which names the app and
// what it asks for; "Allow" returns to the app signed in, and a later
// prompt=consent from the session goes straight to the page, where "Deny"
// returns access_denied. The page must work under its own CSP.
func TestBrowserConsent(t *testing.T) {
	t.Parallel()
	b := testbrowser.New(t, testbrowser.Options{})
	ts := newTestServer(t)
	app := ts.createClientWith("Acme Mail", func(c *storage.Client) { c.RequireConsent = true })

	button := func(text string) string { return `//button[normalize-space()="` + text + `"]` }

	b.Run(t, "set up the admin's passkey",
		chromedp.Navigate(ts.base+"/enroll/"+ts.setupLink()),
		chromedp.SendKeys(chromedp.ID("name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("email"), "ada@example.com"),
		testbrowser.ClickReady(button("Create a passkey")),
	)
	b.SaveRecoveryCodes(t)
	b.Run(t, "see the passkey ready", chromedp.WaitVisible(`//h1[normalize-space()="Your passkey is ready"]`))
	admin, err := ts.store.UserByEmail(ts.ctx(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}

	// 1. Sign in: the ceremony leads to the consent page, "Allow" to the app.
	ar := ts.newAuthRequest(func(a *storage.AuthRequest) { a.ClientID, a.Scopes = app.ID, []string{"openid", "email", "groups"} })
	b.Run(t, "sign in to the consent page",
		chromedp.Navigate(ts.base+"/login?authRequestID="+ar.ID),
		testbrowser.ClickReady(button("Sign in with a passkey")),
		chromedp.WaitVisible(`//h1[normalize-space()="Allow Acme Mail?"]`),
	)
	wantLocation(t, b.Ctx, ts.consentURL(ar.ID))
	if got := b.Text(t, "ul.scopes"); got != "Know who you are\nSee your email address" {
		t.Errorf("scopes shown: %q", got)
	}
	if got := b.Text(t, ".hint"); !strings.Contains(got, "ada@example.com") {
		t.Errorf("signed-in hint: %q", got)
	}
	b.NoProblems(t, "consent page")
	b.Run(t, "allow",
		testbrowser.ClickReady(button("Allow")),
		chromedp.WaitVisible(chromedp.ID("callback")),
	)
	wantLocation(t, b.Ctx, ts.handler.CallbackURL(ar.ID))
	if got := ts.authRequest(ar.ID); !got.Done || got.UserID != admin.ID || got.SessionID == "" {
		t.Fatalf("request after Allow = %+v", got)
	}
	if c := ts.storedConsent(admin.ID, app.ID); strings.Join(c.Scopes, " ") != "openid email" {
		t.Fatalf("stored consent = %+v", c)
	}

	// 2. prompt=consent from the session: straight to the page; "Deny".
	ar = ts.newAuthRequest(func(a *storage.AuthRequest) {
		a.ClientID, a.Scopes, a.Prompt = app.ID, []string{"openid"}, []string{"consent"}
	})
	b.Run(t, "deny",
		chromedp.Navigate(ts.base+"/login?authRequestID="+ar.ID),
		chromedp.WaitVisible(button("Deny")),
		testbrowser.ClickReady(button("Deny")),
		chromedp.WaitVisible(chromedp.ID("callback")),
	)
	if got := ts.authRequest(ar.ID); got.Error != "access_denied" || got.Done {
		t.Fatalf("request after Deny = %+v", got)
	}
}
