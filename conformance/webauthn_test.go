package conformance

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
)

// requestOptions is the part of PublicKeyCredentialRequestOptions the
// tests read (WebAuthn §5.5).
type requestOptions struct {
	PublicKey struct {
		Challenge        string `json:"challenge"`
		RPID             string `json:"rpId"`
		UserVerification string `json:"userVerification"`
		AllowCredentials []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

// creationOptions is the part of PublicKeyCredentialCreationOptions the
// tests read (WebAuthn §5.4).
type creationOptions struct {
	PublicKey struct {
		Challenge        string `json:"challenge"`
		PubKeyCredParams []struct {
			Type string `json:"type"`
			Alg  int    `json:"alg"`
		} `json:"pubKeyCredParams"`
		AuthenticatorSelection struct {
			ResidentKey      string `json:"residentKey"`
			UserVerification string `json:"userVerification"`
		} `json:"authenticatorSelection"`
	} `json:"publicKey"`
}

// beginLogin starts a login ceremony for an auth request (DESIGN.md: POST
// /login/passkey/begin) and returns the request options.
func (e *env) beginLogin(p *testpasskey.Person, authRequestID, email string) []byte {
	e.t.Helper()
	res := p.PostJSON("/login/passkey/begin", map[string]string{"auth_request_id": authRequestID, "email": email})
	if res.Status != http.StatusOK {
		e.t.Fatalf("login begin = %d %s", res.Status, res.Body)
	}
	return res.Body
}

// finishLogin posts an assertion (DESIGN.md: POST /login/passkey/finish).
func (e *env) finishLogin(p *testpasskey.Person, authRequestID string, credential json.RawMessage) testpasskey.Response {
	e.t.Helper()
	return p.PostJSON("/login/passkey/finish", map[string]any{"auth_request_id": authRequestID, "credential": credential})
}

// wantRefused checks that a ceremony step was refused: a 4xx, no
// redirect_to.
func wantRefused(t testing.TB, res testpasskey.Response, why string) {
	t.Helper()
	if res.Status < 400 || res.Status >= 500 {
		t.Errorf("%s: %d %.300s, want a 4xx refusal", why, res.Status, res.Body)
	}
	if strings.Contains(string(res.Body), "redirect_to") {
		t.Errorf("%s: the refusal carries a redirect_to: %s", why, res.Body)
	}
}

// tryLogin runs one login ceremony for a fresh auth request, letting
// mutate change the person's relying party view, authenticator or
// credential just for the assertion, and returns the finish answer.
func (e *env) tryLogin(p *testpasskey.Person, c *client, email string, mutate func(rp *virtualwebauthn.RelyingParty, auth *virtualwebauthn.Authenticator, cred *virtualwebauthn.Credential)) testpasskey.Response {
	e.t.Helper()
	id := e.loginRequest(p, c)
	options := e.beginLogin(p, id, email)
	rp, auth, cred := p.RP, p.Auth, p.Cred
	if mutate != nil {
		mutate(&p.RP, &p.Auth, &p.Cred)
	}
	assertion := p.Assert(options)
	p.RP, p.Auth, p.Cred = rp, auth, cred
	return e.finishLogin(p, id, assertion)
}

// invite creates a person through the admin service and returns their
// enrollment link and a fresh browser for them.
func (e *env) invite(email string) (string, *testpasskey.Person) {
	e.t.Helper()
	u, err := e.srv.Admin.CreateUser(e.ctx, admin.NewUser{Email: email, Name: "Someone"})
	if err != nil {
		e.t.Fatal(err)
	}
	return u.EnrollmentURL, testpasskey.New(e.t, e.srv.URL)
}

// tryEnroll runs one registration ceremony on an enrollment link, letting
// mutate change what the authenticator produces, and returns the finish
// answer and the creation options.
func (e *env) tryEnroll(p *testpasskey.Person, link string, mutate func(rp *virtualwebauthn.RelyingParty, auth *virtualwebauthn.Authenticator, cred *virtualwebauthn.Credential)) (testpasskey.Response, []byte) {
	e.t.Helper()
	begin := p.PostJSON(link+"/begin", map[string]string{})
	if begin.Status != http.StatusOK {
		e.t.Fatalf("enroll begin = %d %s", begin.Status, begin.Body)
	}
	opts, err := virtualwebauthn.ParseAttestationOptions(string(begin.Body))
	if err != nil {
		e.t.Fatal(err)
	}
	rp, auth, cred := p.RP, p.Auth, p.Cred
	auth.Options.UserHandle = []byte(opts.UserID)
	if mutate != nil {
		mutate(&rp, &auth, &cred)
	}
	att := virtualwebauthn.CreateAttestationResponse(rp, auth, cred, *opts)
	res := p.PostJSON(link+"/finish", map[string]any{"credential": json.RawMessage(att)})
	if res.Status == http.StatusOK {
		p.Auth.Options.UserHandle = []byte(opts.UserID)
		p.Cred = cred
		p.Auth.AddCredential(cred)
	}
	return res, begin.Body
}

// TestW1OriginAndRPIDChecked proves W1: assertions and registrations are
// verified against Latchkey's exact origin and its RP ID — another port,
// host or scheme in clientDataJSON.origin, or an rpIdHash of another RP ID,
// is refused (WebAuthn §7.1 steps 9 and 15, §7.2 steps 13 and 15).
func TestW1OriginAndRPIDChecked(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		port := strings.TrimPrefix(e.srv.URL, "http://localhost:")
		wrong := map[string]func(rp *virtualwebauthn.RelyingParty, _ *virtualwebauthn.Authenticator, _ *virtualwebauthn.Credential){
			"another port": func(rp *virtualwebauthn.RelyingParty, _ *virtualwebauthn.Authenticator, _ *virtualwebauthn.Credential) {
				rp.Origin = "http://localhost:1"
			},
			"another host": func(rp *virtualwebauthn.RelyingParty, _ *virtualwebauthn.Authenticator, _ *virtualwebauthn.Credential) {
				rp.Origin = "http://evil.localhost:" + port
			},
			"another scheme": func(rp *virtualwebauthn.RelyingParty, _ *virtualwebauthn.Authenticator, _ *virtualwebauthn.Credential) {
				rp.Origin = "https://localhost:" + port
			},
			"another RP ID": func(rp *virtualwebauthn.RelyingParty, _ *virtualwebauthn.Authenticator, _ *virtualwebauthn.Credential) {
				rp.ID = "example.com"
			},
		}
		for name, mutate := range wrong {
			wantRefused(t, e.tryLogin(e.ada, c, "", mutate), "an assertion from "+name)
		}
		if res := e.tryLogin(e.ada, c, "", nil); res.Status != http.StatusOK {
			t.Errorf("a correct assertion after the refused ones = %d %s", res.Status, res.Body)
		}

		link, carol := e.invite("carol@example.com")
		for name, mutate := range wrong {
			res, _ := e.tryEnroll(carol, link, mutate)
			wantRefused(t, res, "a registration from "+name)
		}
		if res, _ := e.tryEnroll(carol, link, nil); res.Status != http.StatusOK {
			t.Errorf("a correct registration after the refused ones = %d %s", res.Status, res.Body)
		}
	})
}

// TestW2UserVerificationRequired proves W2: Latchkey asks for user
// verification and refuses an assertion with UV=0 — discoverable, or with
// an email (allowCredentials) — and one with UP=0; the same for
// registration (WebAuthn §7.1 steps 14–15, §7.2 steps 16–17; DESIGN.md:
// user verification required).
func TestW2UserVerificationRequired(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		var opts requestOptions
		if err := json.Unmarshal(e.beginLogin(e.ada, e.loginRequest(e.ada, c), ""), &opts); err != nil {
			t.Fatal(err)
		}
		if opts.PublicKey.UserVerification != "required" {
			t.Errorf("userVerification = %q, want required", opts.PublicKey.UserVerification)
		}
		noUV := func(_ *virtualwebauthn.RelyingParty, a *virtualwebauthn.Authenticator, _ *virtualwebauthn.Credential) {
			a.Options.UserNotVerified = true
		}
		noUP := func(_ *virtualwebauthn.RelyingParty, a *virtualwebauthn.Authenticator, _ *virtualwebauthn.Credential) {
			a.Options.UserNotPresent = true
		}
		wantRefused(t, e.tryLogin(e.ada, c, "", noUV), "a discoverable assertion with UV=0")
		wantRefused(t, e.tryLogin(e.ada, c, adaEmail, noUV), "an assertion with UV=0 for allowCredentials")
		wantRefused(t, e.tryLogin(e.ada, c, "", noUP), "an assertion with UP=0")
		if res := e.tryLogin(e.ada, c, adaEmail, nil); res.Status != http.StatusOK {
			t.Errorf("a verified assertion = %d %s", res.Status, res.Body)
		}

		link, carol := e.invite("carol@example.com")
		res, _ := e.tryEnroll(carol, link, noUV)
		wantRefused(t, res, "a registration with UV=0")
		res, _ = e.tryEnroll(carol, link, noUP)
		wantRefused(t, res, "a registration with UP=0")
		if res, _ := e.tryEnroll(carol, link, nil); res.Status != http.StatusOK {
			t.Errorf("a verified registration = %d %s", res.Status, res.Body)
		}
	})
}

// TestW3ChallengeSingleUse proves W3: challenges are random (≥16 bytes,
// never repeated), bound to their login transaction and single use — a
// captured assertion replayed, on its own ceremony or on a new one, is
// refused, and an assertion for one authorization request cannot finish
// another (WebAuthn §13.4.3, §7.2 step 12; DESIGN.md: challenges).
func TestW3ChallengeSingleUse(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		seen := map[string]bool{}
		for range 3 {
			var opts requestOptions
			if err := json.Unmarshal(e.beginLogin(e.ada, e.loginRequest(e.ada, c), ""), &opts); err != nil {
				t.Fatal(err)
			}
			ch, err := base64.RawURLEncoding.DecodeString(opts.PublicKey.Challenge)
			if err != nil || len(ch) < 16 {
				t.Errorf("challenge %q: %d bytes, %v; want ≥16 random bytes", opts.PublicKey.Challenge, len(ch), err)
			}
			if seen[opts.PublicKey.Challenge] {
				t.Errorf("challenge %q was issued twice", opts.PublicKey.Challenge)
			}
			seen[opts.PublicKey.Challenge] = true
		}

		id := e.loginRequest(e.ada, c)
		captured := e.ada.Assert(e.beginLogin(e.ada, id, ""))
		if res := e.finishLogin(e.ada, id, captured); res.Status != http.StatusOK {
			t.Fatalf("the first use of the assertion = %d %s", res.Status, res.Body)
		}
		wantRefused(t, e.finishLogin(e.ada, id, captured), "the same assertion replayed")

		id = e.loginRequest(e.ada, c)
		e.beginLogin(e.ada, id, "")
		wantRefused(t, e.finishLogin(e.ada, id, captured), "a captured assertion replayed on a new ceremony")

		first, second := e.loginRequest(e.ada, c), e.loginRequest(e.ada, c)
		assertion := e.ada.Assert(e.beginLogin(e.ada, first, ""))
		wantRefused(t, e.finishLogin(e.ada, second, assertion), "an assertion for one authorization request finishing another")
	})
}

// TestW4DiscoverableLogin proves W4: without an email the request options
// have an empty allowCredentials, and the assertion's userHandle decides
// the person; an unknown credential id, a userHandle of another person or
// an unknown userHandle is refused (WebAuthn §7.2 steps 6–7).
func TestW4DiscoverableLogin(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		bob, bobID := e.enroll("bob@example.com", "Bob")

		var opts requestOptions
		if err := json.Unmarshal(e.beginLogin(e.ada, e.loginRequest(e.ada, c), ""), &opts); err != nil {
			t.Fatal(err)
		}
		if len(opts.PublicKey.AllowCredentials) != 0 {
			t.Errorf("a discoverable login lists allowCredentials %v", opts.PublicKey.AllowCredentials)
		}
		for p, want := range map[*testpasskey.Person]string{e.ada: e.adaID, bob: bobID} {
			if sub := claimsOf(t, c.signIn(p, func(a *authRequest) { a.set("prompt", "login") }).IDToken)["sub"]; sub != want {
				t.Errorf("a discoverable login signed in %v, want %s", sub, want)
			}
		}

		stranger := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
		wantRefused(t, e.tryLogin(e.ada, c, "", func(_ *virtualwebauthn.RelyingParty, _ *virtualwebauthn.Authenticator, cred *virtualwebauthn.Credential) {
			*cred = stranger
		}), "an unknown credential id")
		wantRefused(t, e.tryLogin(e.ada, c, "", func(_ *virtualwebauthn.RelyingParty, a *virtualwebauthn.Authenticator, _ *virtualwebauthn.Credential) {
			a.Options.UserHandle = bob.Auth.Options.UserHandle
		}), "Ada's credential with Bob's userHandle")
		wantRefused(t, e.tryLogin(e.ada, c, "", func(_ *virtualwebauthn.RelyingParty, a *virtualwebauthn.Authenticator, _ *virtualwebauthn.Credential) {
			a.Options.UserHandle = []byte(random())
		}), "an unknown userHandle")
	})
}

// TestW5SignatureAndCounter proves W5: the assertion signature is verified
// with the stored COSE key — a signature by another key or a damaged one
// is refused — and a sign count that does not increase (when non-zero) is
// refused, per Latchkey's policy (WebAuthn §7.2 steps 20–21, §6.1.1;
// DESIGN.md: a counter regression is refused and logged).
func TestW5SignatureAndCounter(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()

		impostor := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
		impostor.ID = e.ada.Cred.ID
		wantRefused(t, e.tryLogin(e.ada, c, "", func(_ *virtualwebauthn.RelyingParty, _ *virtualwebauthn.Authenticator, cred *virtualwebauthn.Credential) {
			*cred = impostor
		}), "a signature by another key")

		id := e.loginRequest(e.ada, c)
		var assertion map[string]any
		if err := json.Unmarshal(e.ada.Assert(e.beginLogin(e.ada, id, "")), &assertion); err != nil {
			t.Fatal(err)
		}
		response := assertion["response"].(map[string]any)
		sig, _ := base64.RawURLEncoding.DecodeString(response["signature"].(string))
		sig[len(sig)-1] ^= 0x01
		response["signature"] = base64.RawURLEncoding.EncodeToString(sig)
		damaged, _ := json.Marshal(assertion)
		wantRefused(t, e.finishLogin(e.ada, id, damaged), "a damaged signature")

		e.ada.Counter = 9 // the next assertion reports 10
		if res := e.tryLogin(e.ada, c, "", nil); res.Status != http.StatusOK {
			t.Fatalf("sign count 10: %d %s", res.Status, res.Body)
		}
		e.ada.Counter = 9
		wantRefused(t, e.tryLogin(e.ada, c, "", nil), "the same sign count again (10)")
		e.ada.Counter = 4
		wantRefused(t, e.tryLogin(e.ada, c, "", nil), "a lower sign count (5)")
		e.ada.Counter = 10
		if res := e.tryLogin(e.ada, c, "", nil); res.Status != http.StatusOK {
			t.Errorf("sign count 11 after the refusals: %d %s", res.Status, res.Body)
		}
	})
}

// TestW6RegistrationChecks proves W6: the creation options offer ES256 and
// RS256 (pubKeyCredParams) and require a discoverable, user-verified
// credential; a registration of a credential id that is already registered
// is refused; a credential id over 1023 bytes is refused while one of 1023
// is accepted; keys of either offered algorithm register (WebAuthn §7.1
// steps 21–23, §5.4, §5.8.3).
func TestW6RegistrationChecks(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)

		link, bob := e.invite("bob@example.com")
		res, begin := e.tryEnroll(bob, link, func(_ *virtualwebauthn.RelyingParty, _ *virtualwebauthn.Authenticator, cred *virtualwebauthn.Credential) {
			*cred = e.ada.Cred
		})
		wantRefused(t, res, "registering Ada's credential id again, for Bob")
		var opts creationOptions
		if err := json.Unmarshal(begin, &opts); err != nil {
			t.Fatal(err)
		}
		var algs []int
		for _, p := range opts.PublicKey.PubKeyCredParams {
			if p.Type == "public-key" {
				algs = append(algs, p.Alg)
			}
		}
		if !slices.Contains(algs, -7) || !slices.Contains(algs, -257) {
			t.Errorf("pubKeyCredParams algs = %v, want ES256 (-7) and RS256 (-257)", algs)
		}
		if sel := opts.PublicKey.AuthenticatorSelection; sel.ResidentKey != "required" || sel.UserVerification != "required" {
			t.Errorf("authenticatorSelection = %+v, want residentKey and userVerification required", sel)
		}

		res, _ = e.tryEnroll(bob, link, func(_ *virtualwebauthn.RelyingParty, _ *virtualwebauthn.Authenticator, cred *virtualwebauthn.Credential) {
			cred.ID = make([]byte, 1024)
			copy(cred.ID, random())
		})
		wantRefused(t, res, "a credential id of 1024 bytes")
		res, _ = e.tryEnroll(bob, link, func(_ *virtualwebauthn.RelyingParty, _ *virtualwebauthn.Authenticator, cred *virtualwebauthn.Credential) {
			cred.ID = make([]byte, 1023)
			copy(cred.ID, random())
		})
		if res.Status != http.StatusOK {
			t.Errorf("a credential id of 1023 bytes = %d %s, want accepted", res.Status, res.Body)
		}

		link, carol := e.invite("carol@example.com")
		carol.Cred = virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeRSA)
		if res, _ := e.tryEnroll(carol, link, nil); res.Status != http.StatusOK {
			t.Errorf("an RS256 passkey = %d %s, want accepted", res.Status, res.Body)
		}
		c := e.confidential()
		if sub := claimsOf(t, c.signIn(carol).IDToken)["sub"]; sub == nil || sub == e.adaID {
			t.Errorf("Carol's RS256 passkey signed in %v", sub)
		}
	})
}
