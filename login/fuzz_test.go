package login

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// fuzzRig is everything the fuzz targets verify against, in memory: a
// WebAuthn relying party, a person with one registered passkey, and a
// discoverable login and a registration in progress. No store is needed:
// the targets cover the outside input from the request body up to the
// verdict of go-webauthn.
type fuzzRig struct {
	h            *Handler
	user         *passkeyUser
	loginSession webauthn.SessionData
	regSession   webauthn.SessionData
	assertion    []byte // a valid login finish body
	attestation  []byte // a valid enrollment finish body
}

func newFuzzRig(f testing.TB) *fuzzRig {
	const origin = "http://localhost:8080"
	wa, err := webauthn.New(&webauthn.Config{RPID: "localhost", RPDisplayName: "Latchkey", RPOrigins: []string{origin}})
	if err != nil {
		f.Fatal(err)
	}
	rig := &fuzzRig{h: &Handler{WebAuthn: wa, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	rp := virtualwebauthn.RelyingParty{ID: "localhost", Name: "Latchkey", Origin: origin}
	auth := virtualwebauthn.NewAuthenticator()
	cred := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)

	pending := &pendingUser{ID: "u1", WebAuthnID: make([]byte, 32), Email: "ada@example.com", Name: "Ada"}
	creation, regSession, err := wa.BeginRegistration(pending.webauthnUser(), registrationOptions(nil)...)
	if err != nil {
		f.Fatal(err)
	}
	rig.regSession = *regSession
	creationJSON, _ := json.Marshal(creation)
	attOpts, err := virtualwebauthn.ParseAttestationOptions(string(creationJSON))
	if err != nil {
		f.Fatal(err)
	}
	auth.Options.UserHandle = pending.WebAuthnID
	attestation := virtualwebauthn.CreateAttestationResponse(rp, auth, cred, *attOpts)
	rig.attestation, _ = json.Marshal(map[string]any{"credential": json.RawMessage(attestation), "name": "Laptop"})

	// Register it, so that the login half has a passkey to check against.
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(attestation))
	if err != nil {
		f.Fatal(err)
	}
	registered, err := wa.CreateCredential(pending.webauthnUser(), *regSession, parsed)
	if err != nil {
		f.Fatal(err)
	}
	p, err := passkeyOf("p1", "u1", "Laptop", registered, registeredTime)
	if err != nil {
		f.Fatal(err)
	}
	rig.user = newPasskeyUser(storage.User{ID: "u1", WebAuthnID: pending.WebAuthnID, Email: pending.Email}, []storage.Passkey{p})

	assertion, loginSession, err := wa.BeginDiscoverableLogin(loginOptions()...)
	if err != nil {
		f.Fatal(err)
	}
	rig.loginSession = *loginSession
	assertionJSON, _ := json.Marshal(assertion)
	asOpts, err := virtualwebauthn.ParseAssertionOptions(string(assertionJSON))
	if err != nil {
		f.Fatal(err)
	}
	cred.Counter = 1
	signed := virtualwebauthn.CreateAssertionResponse(rp, auth, cred, *asOpts)
	rig.assertion, _ = json.Marshal(map[string]any{"auth_request_id": "ar1", "credential": json.RawMessage(signed)})
	return rig
}

func fuzzRequest(body []byte) (*httptest.ResponseRecorder, *http.Request) {
	r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	return httptest.NewRecorder(), r
}

// mustBeClientError fails unless err is a 4xx *httpx.Error.
func mustBeClientError(t *testing.T, err error) {
	t.Helper()
	var e *httpx.Error
	if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 {
		t.Fatalf("error %v, want a 4xx *httpx.Error", err)
	}
}

func seedVariants(f *testing.F, valid []byte) {
	f.Add(valid)
	s := string(valid)
	for _, v := range []string{
		``, `{}`, `null`, `[]`, `{"credential":null}`, `{"credential":"x"}`, `{"credential":{}}`,
		`{"auth_request_id":"ar1","credential":{"id":"","rawId":"","type":"public-key","response":{}}}`,
		strings.Replace(s, `"type":"public-key"`, `"type":"x"`, 1),
		strings.Replace(s, `"clientDataJSON":"`, `"clientDataJSON":"AAAA`, 1),
		strings.Replace(s, `"signature":"`, `"signature":"AA`, 1),
		strings.Replace(s, `"attestationObject":"`, `"attestationObject":"oA`, 1),
		s[:len(s)/2],
	} {
		f.Add([]byte(v))
	}
}

// FuzzLoginFinishBody: whatever the body of /login/passkey/finish, the
// handler's decoding, parsing and verification end in success or a 4xx;
// never a panic, never a 5xx.
func FuzzLoginFinishBody(f *testing.F) {
	rig := newFuzzRig(f)
	seedVariants(f, rig.assertion)
	f.Fuzz(func(t *testing.T, body []byte) {
		w, r := fuzzRequest(body)
		_, parsed, err := decodeLoginFinish(w, r)
		if err != nil {
			mustBeClientError(t, err)
			return
		}
		_, cred, err := rig.h.WebAuthn.ValidatePasskeyLogin(func(_, userHandle []byte) (webauthn.User, error) {
			if string(userHandle) != string(rig.user.WebAuthnID()) {
				return nil, storage.ErrNotFound
			}
			return rig.user, nil
		}, rig.loginSession, parsed)
		if err != nil {
			mustBeClientError(t, rig.h.assertionRefused(r, err, false))
			return
		}
		_ = amrOf(cred, parsed)
	})
}

// FuzzEnrollFinishBody: whatever the body of /enroll/{token}/finish, the
// handler's decoding, name check, parsing and verification end in a
// storable passkey or a 4xx; never a panic, never a 5xx.
func FuzzEnrollFinishBody(f *testing.F) {
	rig := newFuzzRig(f)
	seedVariants(f, rig.attestation)
	f.Fuzz(func(t *testing.T, body []byte) {
		w, r := fuzzRequest(body)
		req, parsed, err := decodeEnrollFinish(w, r)
		if err != nil {
			mustBeClientError(t, err)
			return
		}
		cred, err := rig.h.WebAuthn.CreateCredential(rig.user, rig.regSession, parsed)
		if err != nil {
			return // answered as errInvalidCredential, a 400
		}
		p, err := passkeyOf("p2", "u1", req.Name, cred, registeredTime)
		if err != nil {
			t.Fatalf("a verified credential cannot be stored: %v", err)
		}
		_ = passkeyView(p)
	})
}

var registeredTime = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// The fuzz targets start from bodies that pass, so that mutations reach
// the verification code rather than dying in the JSON decoder.
func TestFuzzSeedsVerify(t *testing.T) {
	t.Parallel()
	rig := newFuzzRig(t)
	w, r := fuzzRequest(rig.assertion)
	_, parsed, err := decodeLoginFinish(w, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := rig.h.WebAuthn.ValidatePasskeyLogin(func(_, _ []byte) (webauthn.User, error) { return rig.user, nil }, rig.loginSession, parsed); err != nil {
		t.Fatalf("login seed: %v", err)
	}
	w, r = fuzzRequest(rig.attestation)
	_, created, err := decodeEnrollFinish(w, r)
	if err != nil {
		t.Fatal(err)
	}
	pending := &pendingUser{WebAuthnID: make([]byte, 32), Email: "ada@example.com"}
	if _, err := rig.h.WebAuthn.CreateCredential(pending.webauthnUser(), rig.regSession, created); err != nil {
		t.Fatalf("enroll seed: %v", err)
	}
}
