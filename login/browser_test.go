package login

import (
	"context"
	"strings"
	"testing"

	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/latchkey-id/latchkey/internal/testbrowser"
	"github.com/latchkey-id/latchkey/storage"
)

// TestBrowser drives the real pages in Debian's Chromium with the DevTools
// virtual authenticator (CTAP 2.1, internal transport, resident keys, user
// verification): enrollment through the setup link, a sign-in, a cancelled
// ceremony and its retry, and "Return to the app".
func TestBrowser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)

	b := testbrowser.New(t, testbrowser.Options{})
	browserCtx := b.Ctx
	noProblems := func(where string) { t.Helper(); b.NoProblems(t, where) }
	authenticator := b.Authenticator
	setUserVerified := func(ok bool) {
		t.Helper()
		if _, err := chromedp.Call(browserCtx, cdpwebauthn.SetUserVerified, cdpwebauthn.SetUserVerifiedParams{AuthenticatorID: authenticator, IsUserVerified: ok}); err != nil {
			t.Fatalf("set user verified: %v", err)
		}
	}
	// The buttons are found by their visible text, which proves they are
	// real <button> elements saying "passkey" (DESIGN.md).
	button := func(text string) string { return `//button[normalize-space()="` + text + `"]` }

	// 1. The setup link: name, email, "Create a passkey", success.
	must(t, chromedp.Do(browserCtx,
		chromedp.Navigate(ts.base+"/enroll/"+ts.setupLink()),
		chromedp.SendKeys(chromedp.ID("name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("email"), "ada@example.com"),
		testbrowser.ClickReady(button("Create a passkey")),
	))
	if codes := b.SaveRecoveryCodes(t); len(codes) != 10 {
		t.Fatalf("the first passkey came with %d recovery codes, want 10", len(codes))
	}
	must(t, chromedp.Do(browserCtx, chromedp.WaitVisible(`//h1[normalize-space()="Your passkey is ready"]`)))
	noProblems("enrollment page")
	admin, err := ts.store.UserByEmail(ts.ctx(), "ada@example.com")
	if err != nil || !admin.Admin {
		t.Fatalf("the setup page created no admin: %+v %v", admin, err)
	}
	passkeys, err := ts.store.PasskeysByUser(ts.ctx(), admin.ID)
	if err != nil || len(passkeys) != 1 {
		t.Fatalf("passkeys = %v %v", passkeys, err)
	}
	creds, err := chromedp.Call(browserCtx, cdpwebauthn.GetCredentials, cdpwebauthn.GetCredentialsParams{AuthenticatorID: authenticator})
	if err != nil || len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential {
		t.Fatalf("authenticator credentials = %+v %v", creds, err)
	}

	// 2. A sign-in: one click, back at the OP's callback, request done.
	ar := ts.newAuthRequest()
	must(t, chromedp.Do(browserCtx,
		chromedp.Navigate(ts.base+"/login?authRequestID="+ar.ID),
		testbrowser.ClickReady(button("Sign in with a passkey")),
		chromedp.WaitVisible(chromedp.ID("callback")),
	))
	wantLocation(t, browserCtx, ts.handler.CallbackURL(ar.ID))
	if got := ts.authRequest(ar.ID); !got.Done || got.UserID != admin.ID || got.SessionID == "" {
		t.Fatalf("request after the browser sign-in = %+v", got)
	}

	// 3. A ceremony that fails (user verification refused, as when a
	// person cancels): the page says so, the button stays usable, and a
	// retry signs in.
	ar = ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"login"} })
	setUserVerified(false)
	must(t, chromedp.Do(browserCtx,
		chromedp.Navigate(ts.base+"/login?authRequestID="+ar.ID),
		testbrowser.ClickReady(button("Sign in with a passkey")),
		chromedp.WaitVisible(chromedp.ID("error")),
		chromedp.WaitEnabled(chromedp.ID("signin")),
	))
	message, err := chromedp.Run(browserCtx, chromedp.Text(chromedp.ID("error")))
	if err != nil || !strings.Contains(message, "cancelled or timed out") {
		t.Fatalf("error message = %q %v", message, err)
	}
	noProblems("sign-in page after a failed ceremony")
	if got := ts.authRequest(ar.ID); got.Done || got.Error != "" {
		t.Fatalf("a failed ceremony changed the request: %+v", got)
	}
	setUserVerified(true)
	must(t, chromedp.Do(browserCtx,
		testbrowser.ClickReady(button("Sign in with a passkey")),
		chromedp.WaitVisible(chromedp.ID("callback")),
	))
	if got := ts.authRequest(ar.ID); !got.Done || got.UserID != admin.ID {
		t.Fatalf("request after the retry = %+v", got)
	}

	// 4. "Return to Acme Wiki": the app gets access_denied.
	ar = ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"login"} })
	must(t, chromedp.Do(browserCtx,
		chromedp.Navigate(ts.base+"/login?authRequestID="+ar.ID),
		testbrowser.ClickReady(button("Return to Acme Wiki")),
		chromedp.WaitVisible(chromedp.ID("callback")),
	))
	if got := ts.authRequest(ar.ID); got.Error != "access_denied" || got.Done {
		t.Fatalf("request after cancel = %+v", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantLocation(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || got != want {
		t.Fatalf("location = %q %v, want %q", got, err, want)
	}
}
