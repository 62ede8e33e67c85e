package login

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testbrowser"
	"github.com/latchkey-id/latchkey/storage"
)

// TestBrowserAccount drives the account page in Chromium with the virtual
// authenticator: sign in to /account, add a second passkey, rename one,
// remove one six minutes later (the step-up ceremony runs and the list
// updates), create recovery codes (shown once) and sign out — all under
// the page's own CSP, with no script error.
func TestBrowserAccount(t *testing.T) {
	t.Parallel()
	b := testbrowser.New(t, testbrowser.Options{})
	ts := newTestServer(t)

	button := func(text string) string { return `//button[normalize-space()="` + text + `"]` }
	// nth is the nth passkey of the list (from 1), or a button in it.
	nth := func(n int, rest string) string { return `(//li[@class="passkey"])[` + string(rune('0'+n)) + `]` + rest }
	count := func() int {
		t.Helper()
		n, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`document.querySelectorAll("#passkeys .passkey").length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	b.Run(t, "set up the admin's passkey",
		chromedp.Navigate(ts.base+"/enroll/"+ts.setupLink()),
		chromedp.SendKeys(chromedp.ID("name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("email"), "ada@example.com"),
		testbrowser.ClickReady(button("Create a passkey")),
	)
	b.SaveRecoveryCodes(t)
	b.Run(t, "see the passkey ready", chromedp.WaitVisible(`//h1[normalize-space()="Your passkey is ready"]`))
	ada, err := ts.store.UserByEmail(ts.ctx(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}

	// 1. /account without a session is the sign-in page; its ceremony
	// comes back to the account page.
	b.Run(t, "sign in to the account page",
		chromedp.Navigate(ts.base+"/account"),
		chromedp.WaitVisible(`//h1[normalize-space()="Sign in to your account"]`),
		testbrowser.ClickReady(button("Sign in with a passkey")),
		chromedp.WaitVisible(`//h1[normalize-space()="Your account"]`),
	)
	b.NoProblems(t, "account page after the sign-in")
	if n := count(); n != 1 {
		t.Fatalf("%d passkeys listed", n)
	}

	// 2. Add a second passkey. The virtual authenticator would refuse: the
	// options exclude the passkey it holds. So that one is set aside while
	// the new one is made; then the new one moves to a second authenticator
	// (one keeps one discoverable passkey per account), as on a second device.
	creds := b.Credentials(t)
	if len(creds) != 1 {
		t.Fatalf("authenticator holds %d credentials", len(creds))
	}
	first := creds[0]
	removeCredential(t, b, b.Authenticator, first)
	ts.clock.Advance(time.Minute) // so that the list's order (oldest first) is certain
	b.Run(t, "add a passkey",
		testbrowser.ClickReady(button("Add a passkey")),
		chromedp.WaitVisible(nth(2, "")),
	)
	second := b.Credentials(t)[0]
	removeCredential(t, b, b.Authenticator, second)
	addCredential(t, b, b.Authenticator, first)
	other := addAuthenticator(t, b)
	addCredential(t, b, other, second)
	b.NoProblems(t, "account page after adding a passkey")
	passkeys, err := ts.store.PasskeysByUser(ts.ctx(), ada.ID)
	if err != nil || len(passkeys) != 2 {
		t.Fatalf("passkeys = %v %v", passkeys, err)
	}

	// 3. Rename the first.
	b.Run(t, "rename the first passkey",
		testbrowser.ClickReady(nth(1, `//button[normalize-space()="Rename"]`)),
		chromedp.Clear(nth(1, `//input[@name="name"]`)),
		chromedp.SendKeys(nth(1, `//input[@name="name"]`), "Work laptop"),
		testbrowser.ClickReady(nth(1, `//button[normalize-space()="Save"]`)),
		chromedp.WaitVisible(nth(1, `//strong[@class="passkey-name"][normalize-space()="Work laptop"]`)),
	)
	if p, err := ts.store.Passkey(ts.ctx(), ada.ID, passkeys[0].ID); err != nil || p.Name != "Work laptop" {
		t.Fatalf("renamed passkey = %+v %v", p, err)
	}

	// 4. Remove the second, seven minutes after the sign-in: the step-up
	// ceremony runs, then the removal, and the list updates.
	ts.clock.Advance(6 * time.Minute)
	b.Run(t, "remove the second passkey",
		testbrowser.ClickReady(nth(2, `//button[normalize-space()="Remove"]`)),
		testbrowser.ClickReady(nth(2, `//button[normalize-space()="Remove passkey"]`)),
		chromedp.WaitNotPresent(`//li[@data-id="`+passkeys[1].ID+`"]`),
		chromedp.WaitVisible(`//p[@id="status"][normalize-space()="Passkey removed."]`),
	)
	b.NoProblems(t, "account page after removing a passkey")
	if left, err := ts.store.PasskeysByUser(ts.ctx(), ada.ID); err != nil || len(left) != 1 || left[0].ID != passkeys[0].ID {
		t.Fatalf("passkeys after the removal = %v %v", left, err)
	}
	if s := ts.browserSessionOf(t, b); !s.AuthTime.Equal(ts.clock.Now()) {
		t.Errorf("no step-up was recorded: auth time %v, now %v", s.AuthTime, ts.clock.Now())
	}
	// signalAllAcceptedCredentials told the second device to forget it.
	if held := credentialsOf(t, b, other); len(held) != 0 {
		t.Errorf("the second authenticator still holds %d credentials after the removal", len(held))
	}
	if held := credentialsOf(t, b, b.Authenticator); len(held) != 1 {
		t.Errorf("the first authenticator holds %d credentials", len(held))
	}

	// 5. New recovery codes (the step-up is still fresh): shown once.
	b.Run(t, "create recovery codes",
		testbrowser.ClickReady(button("Create new recovery codes")),
		chromedp.WaitVisible(chromedp.ID("codes-shown")),
	)
	codes, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#codes li")].map((li) => li.textContent)`))
	if err != nil || len(codes) != 10 {
		t.Fatalf("codes = %v %v", codes, err)
	}
	b.Run(t, "reload", chromedp.Reload(), chromedp.WaitVisible(`//h1[normalize-space()="Your account"]`))
	body := b.Text(t, "body")
	if strings.Contains(body, codes[0]) || !strings.Contains(body, "You have 10 unused recovery codes.") {
		t.Errorf("after a reload the page shows:\n%s", body)
	}
	b.NoProblems(t, "account page after new recovery codes")

	// 6. Sign out.
	b.Run(t, "sign out",
		testbrowser.ClickReady(button("Sign out")),
		chromedp.WaitVisible(`//h1[normalize-space()="You are signed out"]`),
	)
	wantLocation(t, b.Ctx, ts.base+"/signed-out")
	if n := ts.countRows("sessions"); n != 0 {
		t.Errorf("%d sessions after signing out", n)
	}
}

// browserSessionOf is the session whose cookie the browser holds.
func (ts *testServer) browserSessionOf(t *testing.T, b *testbrowser.Browser) storage.Session {
	t.Helper()
	res, err := chromedp.Call(b.Ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{ts.base}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == sessionCookie {
			s, err := ts.store.SessionByToken(ts.ctx(), secrets.Hash(c.Value))
			if err != nil {
				t.Fatalf("session of the browser's cookie: %v", err)
			}
			return s
		}
	}
	t.Fatal("the browser has no session cookie")
	return storage.Session{}
}

// addCredential puts a credential (as GetCredentials returned it) on an
// authenticator. cdproto's Credential always sends
// generateCmtgKeyOnNextOperation, which Chromium refuses for an
// authenticator without CMTG, hence a command with only these fields.
func addCredential(t *testing.T, b *testbrowser.Browser, id cdpwebauthn.AuthenticatorID, c *cdpwebauthn.Credential) {
	t.Helper()
	_, err := chromedp.Call(b.Ctx, addCredentialCommand, addCredentialParams{AuthenticatorID: id, Credential: storedCredential{
		CredentialID: c.CredentialID, IsResidentCredential: true, RpID: c.RpID, PrivateKey: c.PrivateKey,
		UserHandle: c.UserHandle, SignCount: c.SignCount,
	}})
	if err != nil {
		t.Fatalf("add credential: %v", err)
	}
}

func removeCredential(t *testing.T, b *testbrowser.Browser, id cdpwebauthn.AuthenticatorID, c *cdpwebauthn.Credential) {
	t.Helper()
	if _, err := chromedp.Call(b.Ctx, cdpwebauthn.RemoveCredential, cdpwebauthn.RemoveCredentialParams{AuthenticatorID: id, CredentialID: c.CredentialID}); err != nil {
		t.Fatalf("remove credential: %v", err)
	}
}

func credentialsOf(t *testing.T, b *testbrowser.Browser, id cdpwebauthn.AuthenticatorID) []*cdpwebauthn.Credential {
	t.Helper()
	res, err := chromedp.Call(b.Ctx, cdpwebauthn.GetCredentials, cdpwebauthn.GetCredentialsParams{AuthenticatorID: id})
	if err != nil {
		t.Fatalf("get credentials: %v", err)
	}
	return res.Credentials
}

// addAuthenticator adds a security key (USB) to the tab: Chromium allows
// one internal authenticator per tab.
func addAuthenticator(t *testing.T, b *testbrowser.Browser) cdpwebauthn.AuthenticatorID {
	t.Helper()
	res, err := chromedp.Call(b.Ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
		Options: &cdpwebauthn.VirtualAuthenticatorOptions{
			Protocol:                    cdpwebauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                cdpwebauthn.Ctap2versionCtap21,
			Transport:                   cdpwebauthn.AuthenticatorTransportUsb,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("add virtual authenticator: %v", err)
	}
	return res.AuthenticatorID
}

var addCredentialCommand = cdp.Command[addCredentialParams, cdp.Empty]{Method: cdpwebauthn.CommandAddCredential}

type addCredentialParams struct {
	AuthenticatorID cdpwebauthn.AuthenticatorID `json:"authenticatorId"`
	Credential      storedCredential            `json:"credential"`
}

type storedCredential struct {
	CredentialID         []byte  `json:"credentialId"`
	IsResidentCredential bool    `json:"isResidentCredential"`
	RpID                 string  `json:"rpId"`
	PrivateKey           []byte  `json:"privateKey"`
	UserHandle           []byte  `json:"userHandle"`
	SignCount            float64 `json:"signCount"`
}
