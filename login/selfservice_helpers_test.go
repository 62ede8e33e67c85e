package login

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/storage"
)

// enrollFinish is the answer of an enrollment finish, decoded.
type enrollFinish struct {
	Passkey       passkeyJSON `json:"passkey"`
	RecoveryCodes []string    `json:"recovery_codes"`
	RedirectTo    string      `json:"redirect_to"`
}

// enrolled runs an enrollment link with the device and decodes the
// answer, failing the test unless it is 200.
func (ts *testServer) enrolled(c *http.Client, d *device, token string) enrollFinish {
	ts.t.Helper()
	res := ts.enroll(c, d, token, map[string]any{})
	if res.status != http.StatusOK {
		ts.t.Fatalf("enroll finish: %d %s", res.status, res.body)
	}
	var out enrollFinish
	if err := json.Unmarshal(res.body, &out); err != nil {
		ts.t.Fatalf("enroll finish %s: %v", res.body, err)
	}
	return out
}

// personWithCodes invites a person, enrolls their first passkey on a new
// device and returns them with the device and the recovery codes shown.
func (ts *testServer) personWithCodes(email string) (storage.User, *device, []string) {
	ts.t.Helper()
	u, token := ts.invite(email, "Ada")
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	got := ts.enrolled(ts.browser(), d, token)
	if len(got.RecoveryCodes) != 10 {
		ts.t.Fatalf("the first passkey came with %d recovery codes, want 10", len(got.RecoveryCodes))
	}
	return u, d, got.RecoveryCodes
}

// recover posts a recovery attempt.
func (ts *testServer) recover(c *http.Client, authRequestID, email, code string) response {
	ts.t.Helper()
	return ts.post(c, "/login/recovery", map[string]string{"auth_request_id": authRequestID, "email": email, "recovery_code": code})
}

// enrollToken is the token of an enroll_url answered by recovery or
// sign-up, after checking the URL lives under the issuer.
func (ts *testServer) enrollToken(res response) string {
	ts.t.Helper()
	if res.status != http.StatusOK {
		ts.t.Fatalf("want an enroll_url, got %d %s", res.status, res.body)
	}
	u, _ := res.json(ts.t)["enroll_url"].(string)
	token, ok := strings.CutPrefix(u, ts.base+"/enroll/")
	if !ok || !validID(token) {
		ts.t.Fatalf("enroll_url = %q, want %s/enroll/TOKEN", u, ts.base)
	}
	return token
}

// unusedCodes counts the person's unused recovery codes.
func (ts *testServer) unusedCodes(userID string) int {
	ts.t.Helper()
	codes, err := ts.store.RecoveryCodes(ts.ctx(), userID)
	if err != nil {
		ts.t.Fatal(err)
	}
	n := 0
	for _, c := range codes {
		if c.UsedAt.IsZero() {
			n++
		}
	}
	return n
}

// wantError checks an error answer's status and code.
func wantError(t *testing.T, res response, status int, code string) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status %d, want %d (%s)", res.status, status, res.body)
	}
	if got := res.json(t)["error"]; got != code {
		t.Fatalf("error %v, want %s (%s)", got, code, res.body)
	}
}

// regexpCode is the shape of a recovery code as shown: XXXXX-XXXXX in
// Crockford's base32.
var regexpCode = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$`)
