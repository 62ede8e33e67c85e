package login

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/internal/testbrowser"
	"github.com/latchkey-id/latchkey/storage"
)

func buttonText(text string) string { return `//button[normalize-space()="` + text + `"]` }
func heading(text string) string    { return `//h1[normalize-space()="` + text + `"]` }

// enrollInBrowser uses an invitation link in the browser and saves the
// recovery codes the first passkey comes with.
func enrollInBrowser(t *testing.T, b *testbrowser.Browser, ts *testServer, token string) []string {
	t.Helper()
	b.Run(t, "enroll", chromedp.Navigate(ts.base+"/enroll/"+token), testbrowser.ClickReady(buttonText("Create a passkey")))
	codes := b.SaveRecoveryCodes(t)
	b.Run(t, "see the passkey ready", chromedp.WaitVisible(heading("Your passkey is ready")))
	return codes
}

// Recovery in the real pages: the codes saved at enrollment, the device
// lost, "Lost your passkey?", a code, a new passkey, and back at the app.
func TestBrowserRecovery(t *testing.T) {
	t.Parallel()
	b := testbrowser.New(t, testbrowser.Options{})
	ts := newTestServer(t)
	ada, token := ts.invite("ada@example.com", "Ada")
	codes := enrollInBrowser(t, b, ts, token)
	b.NoProblems(t, "enroll page with recovery codes")
	if len(codes) != 10 || !regexpCode.MatchString(codes[0]) {
		t.Fatalf("codes shown = %v", codes)
	}

	// The device is lost.
	if _, err := chromedp.Call(b.Ctx, cdpwebauthn.ClearCredentials, cdpwebauthn.ClearCredentialsParams{AuthenticatorID: b.Authenticator}); err != nil {
		t.Fatal(err)
	}
	ar := ts.newAuthRequest()
	b.Run(t, "recover with a code",
		chromedp.Navigate(ts.base+"/login?authRequestID="+ar.ID),
		testbrowser.ClickReady(`//a[normalize-space()="Lost your passkey?"]`),
		chromedp.WaitVisible(heading("Lost your passkey?")),
		chromedp.SendKeys(chromedp.ID("email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.ID("code"), strings.ToLower(codes[7])),
		testbrowser.ClickReady(buttonText("Use the code and create a new passkey")),
		chromedp.WaitVisible(heading("Create a new passkey")),
	)
	b.NoProblems(t, "recovery page")
	b.Run(t, "create the new passkey",
		testbrowser.ClickReady(buttonText("Create a passkey")),
		chromedp.WaitVisible(chromedp.ID("callback")),
	)
	b.NoProblems(t, "enroll page of the recovery link")
	if got := ts.authRequest(ar.ID); !got.Done || got.UserID != ada.ID {
		t.Fatalf("request after recovery = %+v", got)
	}
	if n := len(b.Credentials(t)); n != 1 {
		t.Fatalf("the authenticator holds %d passkeys, want the new one", n)
	}
	if got := ts.unusedCodes(ada.ID); got != 9 {
		t.Errorf("%d unused codes, want 9", got)
	}

	// A wrong code shows the refusal on the page.
	ar = ts.newAuthRequest()
	b.Run(t, "a wrong code",
		chromedp.Navigate(ts.base+"/login/recovery?authRequestID="+ar.ID),
		chromedp.SendKeys(chromedp.ID("email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.ID("code"), codes[7]),
		testbrowser.ClickReady(buttonText("Use the code and create a new passkey")),
		chromedp.WaitVisible(chromedp.ID("error")),
	)
	if msg := b.Text(t, "#error"); !strings.Contains(msg, "do not match an unused code") {
		t.Fatalf("error shown: %q", msg)
	}
	b.NoProblems(t, "recovery page after a refusal")
}

// Open sign-up end to end: prompt=create opens it, the code comes by mail
// from a real SMTP server, the passkey is created, the recovery codes are
// saved, and the sign-in lands at the app.
func TestBrowserSignUp(t *testing.T) {
	t.Parallel()
	b := testbrowser.New(t, testbrowser.Options{})
	ts, smtpd := signupServer(t, nil)
	ar := ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"create"} })

	b.Run(t, "ask for a code",
		chromedp.Navigate(ts.base+"/login?authRequestID="+ar.ID),
		chromedp.WaitVisible(heading("Create an account")),
		chromedp.SendKeys(chromedp.ID("email"), "grace@example.com"),
		testbrowser.ClickReady(buttonText("Email me a code")),
		chromedp.WaitVisible(heading("Check your email")),
	)
	b.NoProblems(t, "sign-up page")
	code := codeIn(t, smtpd.Wait(t, "grace@example.com", 1))
	b.Run(t, "enter the code",
		chromedp.SendKeys(chromedp.ID("code"), code),
		testbrowser.ClickReady(buttonText("Continue to create a passkey")),
		chromedp.WaitVisible(heading("Create a passkey")),
		testbrowser.ClickReady(buttonText("Create a passkey")),
	)
	if codes := b.SaveRecoveryCodes(t); len(codes) != 10 {
		t.Fatalf("%d recovery codes shown", len(codes))
	}
	b.Run(t, "land at the app", chromedp.WaitVisible(chromedp.ID("callback")))
	b.NoProblems(t, "enroll page after sign-up")
	grace, err := ts.store.UserByEmail(ts.ctx(), "grace@example.com")
	if err != nil || !grace.EmailVerified {
		t.Fatalf("user = %+v %v", grace, err)
	}
	if got := ts.authRequest(ar.ID); !got.Done || got.UserID != grace.ID {
		t.Fatalf("request after sign-up = %+v", got)
	}
}

// Autofill: the sign-in page starts a conditional request on load (the
// browser's get() sees mediation "conditional", and the store holds a
// conditional ceremony for the request); picking the passkey from autofill
// signs in; the button still works while autofill waits; a passkey the
// server no longer knows is signalled to the browser.
func TestBrowserAutofill(t *testing.T) {
	t.Parallel()
	b := testbrowser.New(t, testbrowser.Options{})
	ts := newTestServer(t)
	ada, token := ts.invite("ada@example.com", "Ada")
	enrollInBrowser(t, b, ts, token)

	waitPending := func(where string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); b.PendingAutofill(t) != 1; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no conditional request pending (calls %v)", where, b.AutofillCalls(t))
			}
		}
	}

	// 1. Picked from autofill.
	ar := ts.newAuthRequest()
	b.Run(t, "open the sign-in page", chromedp.Navigate(ts.base+"/login?authRequestID="+ar.ID))
	waitPending("on load")
	if calls := b.AutofillCalls(t); !slices.Equal(calls, []string{"conditional"}) {
		t.Fatalf("get() calls on load = %v", calls)
	}
	if n := ts.conditionalCeremonies(ar.ID); n != 1 {
		t.Fatalf("%d conditional ceremonies stored for the request, want 1", n)
	}
	b.PickFromAutofill(t)
	b.Run(t, "signed in from autofill", chromedp.WaitVisible(chromedp.ID("callback")))
	if got := ts.authRequest(ar.ID); !got.Done || got.UserID != ada.ID {
		t.Fatalf("request after autofill = %+v", got)
	}

	// 2. The button while autofill waits: the conditional request is
	// aborted, and the modal one signs in.
	ar = ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"login"} })
	b.Run(t, "open the sign-in page again", chromedp.Navigate(ts.base+"/login?authRequestID="+ar.ID))
	waitPending("before the button")
	b.Run(t, "press the button", testbrowser.ClickReady(buttonText("Sign in with a passkey")), chromedp.WaitVisible(chromedp.ID("callback")))
	if got := ts.authRequest(ar.ID); !got.Done || got.UserID != ada.ID {
		t.Fatalf("request after the button = %+v", got)
	}
	b.NoProblems(t, "sign-in page")

	// 3. A passkey the server no longer knows (removed on another device;
	// the person keeps recovery codes): the page says so, tells the
	// browser, and offers autofill again.
	removed, err := ts.store.PasskeysByUser(ts.ctx(), ada.ID)
	if err != nil || len(removed) != 1 {
		t.Fatalf("passkeys = %v %v", removed, err)
	}
	if err := ts.store.DeletePasskey(ts.ctx(), ada.ID, removed[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	credID := base64.RawURLEncoding.EncodeToString(b.Credentials(t)[0].CredentialID)
	ar = ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"login"} })
	b.Run(t, "open the sign-in page with a removed passkey", chromedp.Navigate(ts.base+"/login?authRequestID="+ar.ID))
	waitPending("before the unknown passkey")
	b.PickFromAutofill(t)
	b.Run(t, "see the refusal", chromedp.WaitVisible(chromedp.ID("error")))
	if msg := b.Text(t, "#error"); !strings.Contains(msg, "not registered here") {
		t.Fatalf("error shown: %q", msg)
	}
	if got := b.UnknownCredentialSignals(t); !slices.Equal(got, []string{"localhost " + credID}) {
		t.Fatalf("signalUnknownCredential calls = %v, want [localhost %s]", got, credID)
	}
	// Chromium acts on the signal: the passkey is gone from the
	// (virtual) authenticator, as from a password manager.
	if creds := b.Credentials(t); len(creds) != 0 {
		t.Errorf("the authenticator still holds %d passkeys after the signal", len(creds))
	}
	waitPending("after the refusal")
	b.NoProblems(t, "sign-in page after an unknown passkey")
}

// conditionalCeremonies counts the stored ceremonies of a request whose
// WebAuthn session is conditional (go-webauthn's SessionData.Mediation).
func (ts *testServer) conditionalCeremonies(authRequestID string) int {
	ts.t.Helper()
	conn, err := pgx.Connect(ts.ctx(), ts.dbURL)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer conn.Close(ts.ctx())
	var n int
	err = conn.QueryRow(ts.ctx(), `SELECT count(*) FROM ceremonies WHERE auth_request_id = $1
		AND convert_from(data, 'UTF8')::jsonb -> 'session' ->> 'mediation' = 'conditional'`, authRequestID).Scan(&n)
	if err != nil {
		ts.t.Fatal(err)
	}
	return n
}
