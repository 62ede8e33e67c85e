// Package testbrowser drives Debian's Chromium through chromedp, with the
// DevTools WebAuthn virtual authenticator standing in for a platform
// passkey (CTAP 2.1, internal transport, resident keys, user verification).
package testbrowser

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/latchkey-id/latchkey/internal/testenv"
)

// Browser is one headless Chromium tab with a virtual authenticator.
type Browser struct {
	// Ctx runs chromedp actions in the tab.
	Ctx           context.Context
	Authenticator webauthn.AuthenticatorID
}

// Options shape the virtual authenticator.
type Options struct {
	// Synced makes new passkeys backup-eligible and backed up, as iCloud
	// Keychain or Google Password Manager passkeys are.
	Synced bool
}

// New starts Chromium (or skips/fails per testenv) with a fresh profile
// and a virtual authenticator in its tab; it is closed when the test ends.
func New(t testing.TB, opts Options) *Browser {
	t.Helper()
	path := testenv.Chromium(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		// The machine's closed network refuses Google's hosts; these keep
		// Chromium from trying.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
	)...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })

	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// Every page records CSP violations and script errors, which
	// NoProblems reads: the pages must work under their own CSP.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: problemRecorder}); err != nil {
		t.Fatalf("install problem recorder: %v", err)
	}
	// The WebAuthn domain applies per tab.
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("enable WebAuthn domain: %v", err)
	}
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:            webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:        webauthn.Ctap2versionCtap21,
			Transport:           webauthn.AuthenticatorTransportInternal,
			HasResidentKey:      true,
			HasUserVerification: true,
			IsUserVerified:      true,
			// Without it, create() and get() wait for a touch that never
			// comes: the Go zero value is false, the protocol default true.
			AutomaticPresenceSimulation: true,
			DefaultBackupEligibility:    opts.Synced,
			DefaultBackupState:          opts.Synced,
		},
	})
	if err != nil {
		t.Fatalf("add virtual authenticator: %v", err)
	}
	// Autofill as in front of a person (autofill.go).
	InstallAutofillShim(t, ctx)
	return &Browser{Ctx: ctx, Authenticator: res.AuthenticatorID}
}

// Run performs actions in the tab and fails the test on error.
func (b *Browser) Run(t testing.TB, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.Ctx, actions...); err != nil {
		loc, _ := chromedp.Run(b.Ctx, chromedp.Location())
		body, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		t.Fatalf("%s: %v\n(at %s)\n%s", what, err, loc, body)
	}
}

// Text returns the text of an element.
func (b *Browser) Text(t testing.TB, sel string) string {
	t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// Credentials lists the passkeys the virtual authenticator holds.
func (b *Browser) Credentials(t testing.TB) []*webauthn.Credential {
	t.Helper()
	res, err := chromedp.Call(b.Ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: b.Authenticator})
	if err != nil {
		t.Fatalf("get credentials: %v", err)
	}
	return res.Credentials
}

// ClickReady waits until the element is enabled, then clicks it. Latchkey's
// pages serve their buttons disabled until their script has wired them, so
// a click that comes too early would otherwise do nothing.
func ClickReady[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.WaitEnabled(sel)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.Click(sel)(ctx, t)
	}
}

const problemRecorder = `
	window.__problems = [];
	document.addEventListener("securitypolicyviolation", (e) => window.__problems.push("CSP " + e.violatedDirective + " " + e.blockedURI));
	window.addEventListener("error", (e) => window.__problems.push("error " + e.message));
	window.addEventListener("unhandledrejection", (e) => window.__problems.push("rejection " + e.reason));
`

// NoProblems fails the test if the current page has reported a CSP
// violation, a script error or an unhandled promise rejection.
func (b *Browser) NoProblems(t testing.TB, where string) {
	t.Helper()
	problems, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`window.__problems || []`))
	if err != nil || len(problems) != 0 {
		t.Fatalf("%s: problems %v %v", where, problems, err)
	}
}
