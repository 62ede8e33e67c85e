package login

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

func TestSetupLinkCreatesTheFirstAdminAndTheirPasskey(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.browser()
	token := ts.setupLink()

	page := ts.get(c, "/enroll/"+token)
	if page.status != http.StatusOK {
		t.Fatalf("enroll page: %d", page.status)
	}
	for _, want := range []string{`<button id="create" disabled data-js type="submit" class="primary">Create a passkey</button>`, `id="name"`, `id="email"`, `data-setup="true"`} {
		if !strings.Contains(string(page.body), want) {
			t.Errorf("setup page lacks %s", want)
		}
	}

	begin := ts.post(c, "/enroll/"+token+"/begin", map[string]string{"email": "  Ada@Example.COM ", "name": " Ada Lovelace "})
	if begin.status != http.StatusOK {
		t.Fatalf("begin: %d %s", begin.status, begin.body)
	}
	var options struct {
		PublicKey struct {
			RP                     map[string]any   `json:"rp"`
			User                   map[string]any   `json:"user"`
			Challenge              string           `json:"challenge"`
			Timeout                int              `json:"timeout"`
			Attestation            string           `json:"attestation"`
			AuthenticatorSelection map[string]any   `json:"authenticatorSelection"`
			ExcludeCredentials     []map[string]any `json:"excludeCredentials"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(begin.body, &options); err != nil {
		t.Fatal(err)
	}
	pk := options.PublicKey
	if pk.RP["id"] != "localhost" || pk.User["name"] != "ada@example.com" || pk.User["displayName"] != "Ada Lovelace" {
		t.Errorf("rp %v user %v", pk.RP, pk.User)
	}
	if sel := pk.AuthenticatorSelection; sel["residentKey"] != "required" || sel["requireResidentKey"] != true || sel["userVerification"] != "required" {
		t.Errorf("authenticatorSelection = %v", sel)
	}
	if pk.Attestation != "none" || pk.Timeout != 300000 || len(pk.ExcludeCredentials) != 0 || len(pk.Challenge) < 43 {
		t.Errorf("attestation %q timeout %d exclude %v challenge %q", pk.Attestation, pk.Timeout, pk.ExcludeCredentials, pk.Challenge)
	}
	if ts.cookie(c, ceremonyCookie) == "" {
		t.Fatal("begin set no ceremony cookie")
	}

	if !strings.Contains(string(begin.body), `"extensions":{"credProps":true}`) {
		t.Errorf("begin does not ask for credProps: %s", begin.body)
	}
	// The device reports credProps, which is stored with the passkey.
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{ClientExtensionResults: map[string]any{"credProps": map[string]any{"rk": true}}})
	ts.clock.Advance(30 * time.Second)
	finish := ts.post(c, "/enroll/"+token+"/finish", map[string]any{"credential": d.attest(t, begin.body), "name": "  Work laptop "})
	if finish.status != http.StatusOK {
		t.Fatalf("finish: %d %s", finish.status, finish.body)
	}
	if ts.cookie(c, ceremonyCookie) != "" {
		t.Error("finish left the ceremony cookie")
	}

	u, err := ts.store.UserByEmail(ts.ctx(), "ada@example.com")
	if err != nil {
		t.Fatalf("no user: %v", err)
	}
	if !u.Admin || !u.EmailVerified || u.Name != "Ada Lovelace" || len(u.WebAuthnID) != 32 || len(u.ID) != 22 {
		t.Errorf("user = %+v", u)
	}
	if string(u.WebAuthnID) != string(d.auth.Options.UserHandle) {
		t.Error("the stored user handle is not the one the passkey holds")
	}

	p := ts.passkey(d)
	want := map[string]bool{
		"user":            p.UserID == u.ID,
		"name":            p.Name == "Work laptop",
		"public key":      len(p.PublicKey) > 0,
		"aaguid":          string(p.AAGUID) == string(d.auth.Aaguid[:]),
		"format":          p.AttestationFormat == "packed",
		"type":            p.AttestationType != "",
		"transports":      len(p.Transports) == 1 && p.Transports[0] == "internal",
		"UP and UV":       p.UserPresent && p.UserVerified,
		"not BE/BS":       !p.BackupEligible && !p.BackupState,
		"never used":      p.LastUsedAt.IsZero(),
		"created now":     p.CreatedAt.Equal(ts.clock.Now()),
		"opaque id":       len(p.ID) == 22 && p.ID != string(p.CredentialID),
		"attestation doc": strings.Contains(string(p.Attestation), "clientDataJSON") && strings.Contains(string(p.Attestation), "object"),
		"extensions":      string(p.Extensions) == `{"rk":true}`,
	}
	for what, ok := range want {
		if !ok {
			t.Errorf("stored passkey: %s wrong: %+v", what, p)
		}
	}

	var body struct {
		Passkey map[string]any `json:"passkey"`
	}
	if err := json.Unmarshal(finish.body, &body); err != nil {
		t.Fatal(err)
	}
	got := body.Passkey
	if got["id"] != p.ID || got["name"] != "Work laptop" || got["authenticator"] != nil || got["last_used_at"] != nil || got["backed_up"] != false {
		t.Errorf("passkey JSON = %v", got)
	}
	if _, ok := got["authenticator"]; !ok {
		t.Error(`passkey JSON lacks "authenticator": null`)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(got["aaguid"].(string)) {
		t.Errorf("aaguid %v is not a lower-case UUID", got["aaguid"])
	}
	if got["created_at"] != ts.clock.Now().Format(time.RFC3339) {
		t.Errorf("created_at = %v", got["created_at"])
	}
	if tr, ok := got["transports"].([]any); !ok || len(tr) != 1 || tr[0] != "internal" {
		t.Errorf("transports = %v", got["transports"])
	}

	// The link is used up.
	if _, err := ts.store.Enrollment(ts.ctx(), secrets.Hash(token)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("enrollment after finish: %v, want ErrNotFound", err)
	}
	if page := ts.get(c, "/enroll/"+token); page.status != http.StatusGone || !strings.Contains(string(page.body), "expired or was already used") {
		t.Errorf("used link page: %d %s", page.status, page.body)
	}
}

func TestInvitationEnrollsThePersonItNames(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.browser()
	u, token := ts.invite("grace@example.com", "Grace Hopper")

	page := ts.get(c, "/enroll/"+token)
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "grace@example.com") ||
		!strings.Contains(string(page.body), ">Create a passkey</button>") || strings.Contains(string(page.body), `id="name"`) {
		t.Fatalf("invitation page: %d %s", page.status, page.body)
	}

	// An empty body is allowed for begin, without a content type.
	begin := ts.do(c, http.MethodPost, "/enroll/"+token+"/begin", "", nil)
	if begin.status != http.StatusOK {
		t.Fatalf("begin: %d %s", begin.status, begin.body)
	}
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	finish := ts.post(c, "/enroll/"+token+"/finish", map[string]any{"credential": d.attest(t, begin.body)})
	if finish.status != http.StatusOK {
		t.Fatalf("finish: %d %s", finish.status, finish.body)
	}
	p := ts.passkey(d)
	if p.UserID != u.ID || p.Name != "Passkey" {
		t.Errorf("passkey user %s name %q", p.UserID, p.Name)
	}
	if string(d.auth.Options.UserHandle) != string(u.WebAuthnID) {
		t.Error("the passkey's user handle is not the person's")
	}

	// A second device: the first passkey is excluded (WebAuthn §5.4).
	token2 := ts.inviteLink(u)
	begin2 := ts.post(c, "/enroll/"+token2+"/begin", map[string]any{})
	var options struct {
		PublicKey struct {
			ExcludeCredentials []struct {
				ID string `json:"id"`
			} `json:"excludeCredentials"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(begin2.body, &options); err != nil {
		t.Fatal(err)
	}
	if ex := options.PublicKey.ExcludeCredentials; len(ex) != 1 || ex[0].ID != b64(d.cred.ID) {
		t.Fatalf("excludeCredentials = %+v, want the first passkey", ex)
	}
	d2 := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	if res := ts.post(c, "/enroll/"+token2+"/finish", map[string]any{"credential": d2.attest(t, begin2.body)}); res.status != http.StatusOK {
		t.Fatalf("second finish: %d %s", res.status, res.body)
	}
	if ps, _ := ts.store.PasskeysByUser(ts.ctx(), u.ID); len(ps) != 2 {
		t.Fatalf("%d passkeys, want 2", len(ps))
	}
}
