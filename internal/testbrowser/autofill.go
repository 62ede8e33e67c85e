package testbrowser

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// AutofillShim is a script for every page (New installs it) that makes
// conditional WebAuthn requests (passkey autofill) behave as in front of a
// person. Chromium's virtual authenticator environment answers a
// conditional navigator.credentials.get at once, as if the person had
// picked a passkey the moment the page loaded; the shim instead keeps the
// request pending — until its AbortSignal aborts it, or the test "picks"
// the passkey (PickFromAutofill), which hands the request to the real,
// virtual authenticator. It also records the mediation of every get()
// call (window.__latchkeyAutofill.calls) and every signalUnknownCredential
// (window.__latchkeyAutofill.unknown), and refuses a modal get() while a
// conditional one is pending, so that a page that forgets to abort its
// autofill request fails its test.
const AutofillShim = `(() => {
  if (!navigator.credentials || window.__latchkeyAutofill) return;
  const state = { calls: [], pending: [], unknown: [] };
  window.__latchkeyAutofill = state;
  const realGet = navigator.credentials.get.bind(navigator.credentials);
  navigator.credentials.get = (options) => {
    const mediation = (options && options.mediation) || "optional";
    state.calls.push(mediation);
    if (mediation !== "conditional") {
      // A page must abort its autofill request before a modal one; a
      // browser may refuse a second request while one is pending.
      if (state.pending.length) return Promise.reject(new DOMException("A request is already pending.", "NotAllowedError"));
      return realGet(options);
    }
    return new Promise((resolve, reject) => {
      const entry = { options, resolve, reject };
      const signal = options.signal;
      const aborted = () => signal.reason || new DOMException("The operation was aborted.", "AbortError");
      if (signal && signal.aborted) { reject(aborted()); return; }
      if (signal) signal.addEventListener("abort", () => {
        const i = state.pending.indexOf(entry);
        if (i >= 0) state.pending.splice(i, 1);
        reject(aborted());
      });
      state.pending.push(entry);
    });
  };
  window.__latchkeyPickFromAutofill = () => {
    const entry = state.pending.shift();
    if (!entry) return false;
    realGet(entry.options).then(entry.resolve, entry.reject);
    return true;
  };
  if (window.PublicKeyCredential && PublicKeyCredential.signalUnknownCredential) {
    const realSignal = PublicKeyCredential.signalUnknownCredential.bind(PublicKeyCredential);
    PublicKeyCredential.signalUnknownCredential = (o) => {
      state.unknown.push({ rpId: o.rpId, credentialId: o.credentialId });
      return realSignal(o);
    };
  }
})();`

// InstallAutofillShim adds AutofillShim to every page the tab loads from
// now on.
func InstallAutofillShim(t testing.TB, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: AutofillShim}); err != nil {
		t.Fatalf("install the autofill shim: %v", err)
	}
}

// AutofillCalls returns the mediation of every navigator.credentials.get
// call the current page made ("conditional", "optional", …).
func (b *Browser) AutofillCalls(t testing.TB) []string {
	t.Helper()
	calls, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`window.__latchkeyAutofill ? window.__latchkeyAutofill.calls : []`))
	if err != nil {
		t.Fatalf("read autofill calls: %v", err)
	}
	return calls
}

// PendingAutofill reports how many conditional requests wait for the person.
func (b *Browser) PendingAutofill(t testing.TB) int {
	t.Helper()
	n, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`window.__latchkeyAutofill ? window.__latchkeyAutofill.pending.length : 0`))
	if err != nil {
		t.Fatalf("read pending autofill: %v", err)
	}
	return n
}

// PickFromAutofill is the person choosing their passkey in the email
// field's autofill: the oldest pending conditional request goes to the
// virtual authenticator. It fails the test when none is pending.
func (b *Browser) PickFromAutofill(t testing.TB) {
	t.Helper()
	ok, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`window.__latchkeyPickFromAutofill ? window.__latchkeyPickFromAutofill() : false`))
	if err != nil || !ok {
		t.Fatalf("no conditional request to pick from (%v)", err)
	}
}

// UnknownCredentialSignals returns the credential ids the page reported
// with PublicKeyCredential.signalUnknownCredential.
func (b *Browser) UnknownCredentialSignals(t testing.TB) []string {
	t.Helper()
	ids, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`window.__latchkeyAutofill ? window.__latchkeyAutofill.unknown.map((u) => u.rpId + " " + u.credentialId) : []`))
	if err != nil {
		t.Fatalf("read unknown-credential signals: %v", err)
	}
	return ids
}

// SaveRecoveryCodes is the person at the enroll page's "Save your recovery
// codes" step: it waits for the codes, reads them, ticks "I have saved
// them" and continues. It returns the codes shown.
func (b *Browser) SaveRecoveryCodes(t testing.TB) []string {
	t.Helper()
	b.Run(t, "wait for the recovery codes", chromedp.WaitVisible(`//h1[normalize-space()="Save your recovery codes"]`))
	codes, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#codes li")].map((li) => li.textContent)`))
	if err != nil {
		t.Fatalf("read recovery codes: %v", err)
	}
	b.Run(t, "confirm the codes are saved",
		ClickReady(chromedp.ID("codes-saved")),
		ClickReady(`//button[normalize-space()="Continue"]`),
	)
	return codes
}
