package login

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"
)

func TestACounterThatGoesBackFlagsThePasskey(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	ada := ts.setupAdmin(d, "ada@example.com", "Ada")
	phone := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	if res := ts.enroll(ts.browser(), phone, ts.inviteLink(ada), map[string]any{"name": "Phone"}); res.status != http.StatusOK {
		t.Fatalf("enroll the phone: %d %s", res.status, res.body)
	}
	if res := ts.login(ts.browser(), d, ts.newAuthRequest().ID, "", 5); res.status != http.StatusOK {
		t.Fatalf("first sign-in: %d %s", res.status, res.body)
	}

	// Counter 3 after 5: refused, flagged, one event.
	res := ts.login(ts.browser(), d, ts.newAuthRequest().ID, "", 3)
	if res.status != http.StatusBadRequest || res.json(t)["error"] != "invalid_credential" ||
		!strings.Contains(res.json(t)["error_description"].(string), "may have been copied") {
		t.Fatalf("cloned sign-in: %d %s", res.status, res.body)
	}
	p := ts.passkey(d)
	if !p.CloneWarning || p.SignCount != 5 {
		t.Fatalf("passkey after the regression: clone %v count %d", p.CloneWarning, p.SignCount)
	}
	countClones := func() int {
		n := 0
		for _, e := range ts.events(ada.ID) {
			if e.Kind == "clone_detected" && e.PasskeyID == p.ID && e.Detail == "Passkey" && e.IP == "127.0.0.1" {
				n++
			}
		}
		return n
	}
	if n := countClones(); n != 1 {
		t.Fatalf("%d clone_detected events, want 1", n)
	}
	// The same count again: refused, not flagged twice.
	if res := ts.login(ts.browser(), d, ts.newAuthRequest().ID, "", 5); res.status != http.StatusBadRequest {
		t.Fatalf("the stored count again: %d %s", res.status, res.body)
	}
	if n := countClones(); n != 1 {
		t.Errorf("%d clone_detected events after a second regression, want 1", n)
	}

	// A counter that grows again signs in (conformance W5); the mark stays
	// for the person to judge on the account page.
	c := ts.browser()
	if res := ts.accountSignIn(c, d); res.status != http.StatusOK {
		t.Fatalf("sign in with a growing counter: %d %s", res.status, res.body)
	}
	if p := ts.passkey(d); !p.CloneWarning || p.SignCount != 6 {
		t.Errorf("passkey after a good sign-in: clone %v count %d", p.CloneWarning, p.SignCount)
	}
	page := string(ts.get(c, "/account").body)
	if strings.Count(page, "May have been copied") != 1 || !strings.Contains(page, "Sign-in with “Passkey” refused: its counter went back, so it may have been copied") {
		t.Errorf("the account page does not mark the flagged passkey:\n%s", page)
	}

	// A step-up whose counter goes back flags that passkey too.
	if res := ts.accountSignIn(ts.browser(), phone); res.status != http.StatusOK {
		t.Fatalf("sign in with the phone: %d %s", res.status, res.body)
	}
	ts.clock.Advance(stepUpMaxAge + 1)
	challenge := ts.call(c, http.MethodPost, "/api/v1/me/recovery-codes", nil)
	fin := ts.call(c, http.MethodPost, "/account/step-up/finish", map[string]any{"credential": phone.assert(t, stepUpOptions(t, challenge), ts.passkey(phone).SignCount)})
	if fin.status != http.StatusBadRequest || fin.json(t)["error"] != "invalid_credential" {
		t.Fatalf("step-up with a counter that did not grow: %d %s", fin.status, fin.body)
	}
	if !ts.passkey(phone).CloneWarning {
		t.Error("the step-up did not flag the phone")
	}
	if s := ts.browserSession(c); !s.AuthTime.Before(ts.clock.Now().Add(-stepUpMaxAge)) {
		t.Errorf("the refused step-up refreshed the session: %v", s.AuthTime)
	}
}

// stepUpOptions takes the request options out of a step-up challenge, in
// the envelope virtualwebauthn reads.
func stepUpOptions(t *testing.T, challenge response) []byte {
	t.Helper()
	body := challenge.json(t)
	if body["error"] != "step_up_required" {
		t.Fatalf("want a step-up challenge, got %d %s", challenge.status, challenge.body)
	}
	b, err := json.Marshal(map[string]any{"publicKey": body["publicKey"]})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
