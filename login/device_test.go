package login

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/storage"
)

// device is a software authenticator holding one passkey (descope's
// virtualwebauthn).
type device struct {
	rp   virtualwebauthn.RelyingParty
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

func (ts *testServer) newDevice(opts virtualwebauthn.AuthenticatorOptions) *device {
	return &device{
		rp:   virtualwebauthn.RelyingParty{ID: "localhost", Name: "Latchkey", Origin: ts.base},
		auth: virtualwebauthn.NewAuthenticatorWithOptions(opts),
		cred: virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2),
	}
}

// attest answers creation options with a new credential; the device then
// answers assertions with that user handle (virtualwebauthn keeps one per
// authenticator).
func (d *device) attest(t *testing.T, options []byte) json.RawMessage {
	t.Helper()
	opts, err := virtualwebauthn.ParseAttestationOptions(string(options))
	if err != nil {
		t.Fatalf("parse attestation options %s: %v", options, err)
	}
	d.auth.Options.UserHandle = []byte(opts.UserID)
	return json.RawMessage(virtualwebauthn.CreateAttestationResponse(d.rp, d.auth, d.cred, *opts))
}

// assert answers request options with the device's passkey and the given
// signature counter. For a discoverable login (empty allowCredentials) the
// device's one credential is picked, as a person would.
func (d *device) assert(t *testing.T, options []byte, counter uint32) json.RawMessage {
	t.Helper()
	opts, err := virtualwebauthn.ParseAssertionOptions(string(options))
	if err != nil {
		t.Fatalf("parse assertion options %s: %v", options, err)
	}
	cred := d.cred
	cred.Counter = counter
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(d.rp, d.auth, cred, *opts))
}

// enroll runs begin and finish of an enrollment link with the device.
func (ts *testServer) enroll(c *http.Client, d *device, token string, begin any) response {
	ts.t.Helper()
	res := ts.post(c, "/enroll/"+token+"/begin", begin)
	if res.status != http.StatusOK {
		ts.t.Fatalf("enroll begin: %d %s", res.status, res.body)
	}
	return ts.post(c, "/enroll/"+token+"/finish", map[string]any{"credential": d.attest(ts.t, res.body)})
}

// setupAdmin creates the first admin with the device through the setup link.
func (ts *testServer) setupAdmin(d *device, email, name string) storage.User {
	ts.t.Helper()
	res := ts.enroll(ts.browser(), d, ts.setupLink(), map[string]string{"email": email, "name": name})
	if res.status != http.StatusOK {
		ts.t.Fatalf("enroll finish: %d %s", res.status, res.body)
	}
	u, err := ts.store.UserByEmail(ts.ctx(), strings.ToLower(email))
	if err != nil {
		ts.t.Fatalf("the setup link created no user: %v", err)
	}
	return u
}

// beginLogin posts begin and returns the request options.
func (ts *testServer) beginLogin(c *http.Client, authRequestID, email string) []byte {
	ts.t.Helper()
	body := map[string]string{"auth_request_id": authRequestID}
	if email != "" {
		body["email"] = email
	}
	res := ts.post(c, "/login/passkey/begin", body)
	if res.status != http.StatusOK {
		ts.t.Fatalf("login begin: %d %s", res.status, res.body)
	}
	return res.body
}

// login runs a whole passkey sign-in for the request and returns finish's answer.
func (ts *testServer) login(c *http.Client, d *device, authRequestID, email string, counter uint32) response {
	ts.t.Helper()
	options := ts.beginLogin(c, authRequestID, email)
	return ts.post(c, "/login/passkey/finish", map[string]any{"auth_request_id": authRequestID, "credential": d.assert(ts.t, options, counter)})
}

func (ts *testServer) passkey(d *device) storage.Passkey {
	ts.t.Helper()
	p, err := ts.store.PasskeyByCredentialID(ts.ctx(), d.cred.ID)
	if err != nil {
		ts.t.Fatalf("passkey of device: %v", err)
	}
	return p
}

func bufCopy(w io.Writer, res *http.Response) (int64, error) { return io.Copy(w, res.Body) }
