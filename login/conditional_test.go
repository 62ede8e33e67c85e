package login

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"
)

// A conditional begin is a discoverable login whose options say
// "mediation": "conditional"; it finishes like any other, and a later
// begin (the button) takes the browser's ceremony over.
func TestConditionalLoginBeginsAutofill(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	ada := ts.setupAdmin(d, "ada@example.com", "Ada")
	c := ts.browser()
	ar := ts.newAuthRequest()

	res := ts.post(c, "/login/passkey/begin", map[string]any{"auth_request_id": ar.ID, "conditional": true})
	if res.status != http.StatusOK {
		t.Fatalf("conditional begin: %d %s", res.status, res.body)
	}
	var options struct {
		Mediation string         `json:"mediation"`
		PublicKey map[string]any `json:"publicKey"`
	}
	if err := json.Unmarshal(res.body, &options); err != nil {
		t.Fatal(err)
	}
	if options.Mediation != "conditional" || options.PublicKey["userVerification"] != "required" || options.PublicKey["challenge"] == "" {
		t.Fatalf("conditional options = %s", res.body)
	}
	if _, has := options.PublicKey["allowCredentials"]; has {
		t.Errorf("conditional options list credentials: %s", res.body)
	}
	finish := ts.post(c, "/login/passkey/finish", map[string]any{"auth_request_id": ar.ID, "credential": d.assert(t, res.body, 1)})
	if finish.status != http.StatusOK || ts.authRequest(ar.ID).UserID != ada.ID {
		t.Fatalf("finish of the autofill ceremony: %d %s", finish.status, finish.body)
	}

	// The page aborts autofill and begins again for the button: the
	// button's ceremony is the one that finishes.
	ar = ts.newAuthRequest()
	c = ts.browser()
	conditional := ts.post(c, "/login/passkey/begin", map[string]any{"auth_request_id": ar.ID, "conditional": true})
	modal := ts.beginLogin(c, ar.ID, "")
	if strings.Contains(string(modal), "conditional") {
		t.Errorf("the button's options are conditional: %s", modal)
	}
	stale := ts.post(c, "/login/passkey/finish", map[string]any{"auth_request_id": ar.ID, "credential": d.assert(t, conditional.body, 2)})
	wantError(t, stale, http.StatusBadRequest, "invalid_credential") // the cookie is the button's ceremony now: wrong challenge
	modal = ts.beginLogin(c, ar.ID, "")
	if res := ts.post(c, "/login/passkey/finish", map[string]any{"auth_request_id": ar.ID, "credential": d.assert(t, modal, 3)}); res.status != http.StatusOK {
		t.Fatalf("the button after autofill: %d %s", res.status, res.body)
	}

	wantError(t, ts.post(c, "/login/passkey/begin", map[string]any{"auth_request_id": ts.newAuthRequest().ID, "conditional": true, "email": "ada@example.com"}),
		http.StatusBadRequest, "invalid_request")
}

func TestWellKnownWebAuthnServesRelatedOrigins(t *testing.T) {
	t.Parallel()
	origins := []string{"https://id.example.com", "https://login.example.org"}
	ts := newTestServerFor(t, func(h *Handler) { h.RelatedOrigins = origins })
	res := ts.get(ts.browser(), "/.well-known/webauthn")
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") ||
		res.header.Get("Cache-Control") != "public, max-age=3600" {
		t.Fatalf("well-known: %d %v", res.status, res.header)
	}
	var doc struct {
		Origins []string `json:"origins"`
	}
	if err := json.Unmarshal(res.body, &doc); err != nil || strings.Join(doc.Origins, " ") != strings.Join(origins, " ") {
		t.Fatalf("document %s: %v", res.body, err)
	}

	none := newTestServer(t)
	if res := none.get(none.browser(), "/.well-known/webauthn"); res.status != http.StatusNotFound {
		t.Fatalf("without related origins: %d %s", res.status, res.body)
	}
}

// A passkey removed from a person who still exists (another device, an
// operator's reset) is unknown_credential, like one of an unknown person,
// so that the page tells the browser to forget it.
func TestARemovedPasskeyIsUnknown(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ada, d, _ := ts.personWithCodes("ada@example.com")
	if err := ts.store.DeletePasskey(ts.ctx(), ada.ID, ts.passkey(d).ID, nil); err != nil {
		t.Fatal(err)
	}
	// Discoverable, and by email (the person now has no passkeys: a decoy
	// ceremony).
	for _, email := range []string{"", "ada@example.com"} {
		wantError(t, ts.login(ts.browser(), d, ts.newAuthRequest().ID, email, 1), http.StatusBadRequest, "unknown_credential")
	}
}
