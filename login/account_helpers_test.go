package login

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/storage"
)

// accountEnv is Ada (the admin) with her device, signed in to the account
// page in browser c.
type accountEnv struct {
	*testServer
	d   *device
	ada storage.User
	c   *http.Client
}

// newAccountEnv starts a server (its Handler changed by edit, if any) and
// signs Ada in to the account page.
func newAccountEnv(t *testing.T, edit func(*Handler)) *accountEnv {
	t.Helper()
	ts := newTestServerFor(t, edit)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	e := &accountEnv{testServer: ts, d: d, ada: ts.setupAdmin(d, "ada@example.com", "Ada"), c: ts.browser()}
	ts.dropRecoveryCodes(e.ada.ID)
	if res := ts.accountSignIn(e.c, d); res.status != http.StatusOK {
		t.Fatalf("account sign-in: %d %s", res.status, res.body)
	}
	return e
}

// accountSignIn runs the sign-in page's ceremony with no auth_request_id,
// as the account variant of the page does, and returns finish's answer.
func (ts *testServer) accountSignIn(c *http.Client, d *device) response {
	ts.t.Helper()
	begin := ts.post(c, "/login/passkey/begin", map[string]string{})
	if begin.status != http.StatusOK {
		ts.t.Fatalf("account sign-in begin: %d %s", begin.status, begin.body)
	}
	return ts.post(c, "/login/passkey/finish", map[string]any{"credential": d.assert(ts.t, begin.body, ts.passkey(d).SignCount+1)})
}

// call makes an API request from browser c the way the account page does:
// session cookie and CSRF token. body nil sends no body.
func (ts *testServer) call(c *http.Client, method, path string, body any) response {
	ts.t.Helper()
	return ts.callWith(c, method, path, body, csrfHeaderOf(ts.csrfFor(c)))
}

// callWith is call with the given headers instead of the CSRF token.
func (ts *testServer) callWith(c *http.Client, method, path string, body any, header http.Header) response {
	ts.t.Helper()
	var raw []byte
	contentType := ""
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			ts.t.Fatal(err)
		}
		contentType = "application/json"
	}
	return ts.doWith(c, method, path, contentType, raw, header)
}

// stepUpWith answers a step_up_required answer with device d: it checks
// the challenge's shape, signs it and posts it to finish_url.
func (ts *testServer) stepUpWith(c *http.Client, d *device, challenge response) response {
	ts.t.Helper()
	var body struct {
		Error     string          `json:"error"`
		PublicKey json.RawMessage `json:"publicKey"`
		FinishURL string          `json:"finish_url"`
	}
	if err := json.Unmarshal(challenge.body, &body); err != nil || challenge.status != http.StatusForbidden ||
		body.Error != "step_up_required" || len(body.PublicKey) == 0 || body.FinishURL != "/account/step-up/finish" {
		ts.t.Fatalf("want a step-up challenge, got %d %s", challenge.status, challenge.body)
	}
	// virtualwebauthn reads the options in the {"publicKey": …} envelope.
	options, _ := json.Marshal(map[string]json.RawMessage{"publicKey": body.PublicKey})
	return ts.call(c, http.MethodPost, body.FinishURL, map[string]any{"credential": d.assert(ts.t, options, ts.passkey(d).SignCount+1)})
}

// addPasskey registers device d through the API from browser c.
func (ts *testServer) addPasskey(c *http.Client, d *device, name string) response {
	ts.t.Helper()
	begin := ts.call(c, http.MethodPost, "/api/v1/me/passkeys/register/begin", map[string]any{})
	if begin.status != http.StatusOK {
		ts.t.Fatalf("register begin: %d %s", begin.status, begin.body)
	}
	body := map[string]any{"credential": d.attest(ts.t, begin.body)}
	if name != "" {
		body["name"] = name
	}
	return ts.call(c, http.MethodPost, "/api/v1/me/passkeys/register/finish", body)
}

// events returns the person's security events, newest first.
func (ts *testServer) events(userID string) []storage.SecurityEvent {
	ts.t.Helper()
	es, err := ts.store.SecurityEvents(ts.ctx(), userID, 100)
	if err != nil {
		ts.t.Fatal(err)
	}
	return es
}

// kinds lists the kinds of events, sorted: events of one instant (the
// test clock stands still) come in no particular order.
func kinds(es []storage.SecurityEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Kind
	}
	slices.Sort(out)
	return out
}

// dropRecoveryCodes leaves the person without recovery codes (the first
// enrollment makes some), so that a test starts from none.
func (ts *testServer) dropRecoveryCodes(userID string) {
	ts.t.Helper()
	if err := ts.store.ReplaceRecoveryCodes(ts.ctx(), userID, nil, nil); err != nil {
		ts.t.Fatal(err)
	}
}

// yubikey5 is an AAGUID the embedded list names "YubiKey 5 Series".
var yubikey5 = [16]byte{0xee, 0x88, 0x28, 0x79, 0x72, 0x1c, 0x49, 0x13, 0x97, 0x75, 0x3d, 0xfc, 0xce, 0x97, 0x07, 0x2a}

const yubikey5UUID = "ee882879-721c-4913-9775-3dfcce97072a"

// jsonOf decodes an answer's body.
func jsonOf(res response, v any) error { return json.Unmarshal(res.body, v) }
