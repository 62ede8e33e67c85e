package login

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/go-webauthn/webauthn/protocol"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// registerDirect gives the person a passkey from device d without asking
// the handler's policy: as if it had been registered before the operator
// changed the policy.
func (ts *testServer) registerDirect(u storage.User, d *device) storage.Passkey {
	ts.t.Helper()
	creation, session, err := ts.handler.WebAuthn.BeginRegistration(newPasskeyUser(u, nil), registrationOptions(nil)...)
	if err != nil {
		ts.t.Fatal(err)
	}
	options, _ := json.Marshal(creation)
	parsed, err := protocol.ParseCredentialCreationResponseBytes(d.attest(ts.t, options))
	if err != nil {
		ts.t.Fatal(err)
	}
	cred, err := ts.handler.WebAuthn.CreateCredential(newPasskeyUser(u, nil), *session, parsed)
	if err != nil {
		ts.t.Fatal(err)
	}
	p, err := passkeyOf(secrets.ID(), u.ID, "Old synced passkey", cred, ts.clock.Now())
	if err != nil {
		ts.t.Fatal(err)
	}
	if err := ts.store.AddPasskey(ts.ctx(), p, nil); err != nil {
		ts.t.Fatal(err)
	}
	return p
}

func TestForbidSyncedRefusesSyncedPasskeysAtRegistrationAndSignIn(t *testing.T) {
	t.Parallel()
	ts := newTestServerFor(t, func(h *Handler) { h.Policy.ForbidSynced = true })
	synced := virtualwebauthn.AuthenticatorOptions{BackupEligible: true, BackupState: true}

	// The setup link with a synced passkey: refused, nobody created.
	res := ts.enroll(ts.browser(), ts.newDevice(synced), ts.setupLink(), map[string]string{"email": "ada@example.com", "name": "Ada"})
	if res.status != http.StatusBadRequest || res.json(t)["error"] != "passkey_not_allowed" {
		t.Fatalf("enroll a synced passkey: %d %s", res.status, res.body)
	}
	if n := ts.countRows("users"); n != 0 {
		t.Fatalf("%d users after a refused setup", n)
	}

	// A device-bound one is fine; adding a synced one through the API is not.
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	ada := ts.setupAdmin(d, "ada@example.com", "Ada")
	c := ts.browser()
	if res := ts.accountSignIn(c, d); res.status != http.StatusOK {
		t.Fatalf("sign in: %d %s", res.status, res.body)
	}
	res = ts.addPasskey(c, ts.newDevice(synced), "")
	if res.status != http.StatusBadRequest || res.json(t)["error"] != "passkey_not_allowed" || !strings.Contains(res.json(t)["error_description"].(string), "Synced passkeys") {
		t.Fatalf("register a synced passkey: %d %s", res.status, res.body)
	}
	if n := ts.countRows("passkeys"); n != 1 {
		t.Fatalf("%d passkeys after a refused registration", n)
	}

	// A synced passkey from before the policy no longer signs in.
	old := ts.newDevice(synced)
	ts.registerDirect(ada, old)
	other := ts.browser()
	ar := ts.newAuthRequest()
	res = ts.login(other, old, ar.ID, "", 0)
	if res.status != http.StatusBadRequest || res.json(t)["error"] != "passkey_not_allowed" {
		t.Fatalf("sign in with a synced passkey: %d %s", res.status, res.body)
	}
	if ts.cookie(other, sessionCookie) != "" || ts.authRequest(ar.ID).Done {
		t.Error("the refused sign-in signed in")
	}
}

func TestAnAAGUIDAllowListRefusesOtherAuthenticators(t *testing.T) {
	t.Parallel()
	ts := newTestServerFor(t, func(h *Handler) { h.Policy.AllowedAAGUIDs = []string{yubikey5UUID} })

	res := ts.enroll(ts.browser(), ts.newDevice(virtualwebauthn.AuthenticatorOptions{}), ts.setupLink(), map[string]string{"email": "ada@example.com", "name": "Ada"})
	if res.status != http.StatusBadRequest || res.json(t)["error"] != "passkey_not_allowed" {
		t.Fatalf("enroll an authenticator off the list: %d %s", res.status, res.body)
	}
	key := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	key.auth.Aaguid = yubikey5
	res = ts.enroll(ts.browser(), key, ts.setupLink(), map[string]string{"email": "ada@example.com", "name": "Ada"})
	var out struct {
		Passkey passkeyJSON `json:"passkey"`
	}
	if err := jsonOf(res, &out); err != nil || res.status != http.StatusOK {
		t.Fatalf("enroll a listed authenticator: %d %s", res.status, res.body)
	}
	// Named after its authenticator (issue 5, "Names from AAGUIDs").
	if out.Passkey.Name != "YubiKey 5 Series" || out.Passkey.Authenticator == nil || *out.Passkey.Authenticator != "YubiKey 5 Series" {
		t.Errorf("enrolled passkey %+v", out.Passkey)
	}
}

func TestPreferredUserVerificationLetsUVZeroThroughWithoutMFA(t *testing.T) {
	t.Parallel()
	ts := newTestServerFor(t, func(h *Handler) { h.Policy.UserVerification = UserVerificationPreferred })
	pinless := ts.newDevice(virtualwebauthn.AuthenticatorOptions{UserNotVerified: true})
	ts.setupAdmin(pinless, "ada@example.com", "Ada")

	c := ts.browser()
	ar := ts.newAuthRequest()
	options := ts.beginLogin(c, ar.ID, "")
	if got := parseRequestOptions(t, options).PublicKey.UserVerification; got != "preferred" {
		t.Errorf("userVerification = %q", got)
	}
	res := ts.post(c, "/login/passkey/finish", map[string]any{"auth_request_id": ar.ID, "credential": pinless.assert(t, options, 1)})
	if res.status != http.StatusOK {
		t.Fatalf("sign in without UV: %d %s", res.status, res.body)
	}
	if got := ts.authRequest(ar.ID).AMR; slices.Contains(got, "mfa") || !slices.Contains(got, "user") {
		t.Errorf("amr without UV = %v", got)
	}

	// The same passkey with UV: "mfa".
	withUV := *pinless
	withUV.auth.Options.UserNotVerified = false
	ar = ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"login"} })
	if res := ts.login(c, &withUV, ar.ID, "", 2); res.status != http.StatusOK {
		t.Fatalf("sign in with UV: %d %s", res.status, res.body)
	}
	if got := ts.authRequest(ar.ID).AMR; !slices.Contains(got, "mfa") {
		t.Errorf("amr with UV = %v", got)
	}
}

func TestCheckRefusesAnUnusablePolicy(t *testing.T) {
	h := &Handler{Policy: Policy{UserVerification: "sometimes", AllowedAAGUIDs: []string{"EE882879-721C-4913-9775-3DFCCE97072A", "nope"}}}
	err := h.Check()
	if err == nil {
		t.Fatal("Check accepted the policy")
	}
	for _, want := range []string{`"sometimes"`, `"EE882879-721C-4913-9775-3DFCCE97072A" is not a lower-case UUID`, `"nope"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check: %v lacks %s", err, want)
		}
	}
}
