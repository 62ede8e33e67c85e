package login

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// badEnv is what one bad-input case works with: a fresh browser, a fresh
// authorization request, the admin and their device, and scratch space
// that prepare leaves for attack.
type badEnv struct {
	t     *testing.T
	ts    *testServer
	c     *http.Client
	ar    storage.AuthRequest
	admin storage.User
	d     *device

	options []byte
	body    any
	cookie  string
	token   string
}

// next is a signature counter above the stored one, so that an assertion
// fails (or not) for the reason the case is about.
func (e *badEnv) next() uint32 { return e.ts.passkey(e.d).SignCount + 1 }

func (e *badEnv) finishBody(cred json.RawMessage) map[string]any {
	return map[string]any{"auth_request_id": e.ar.ID, "credential": cred}
}

// postWithCookie posts JSON with only the given ceremony cookie (a replay
// from a client that kept it).
func (e *badEnv) postWithCookie(path string, v any, cookie string) response {
	e.t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, e.ts.base+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: ceremonyCookie, Value: cookie})
	c := e.ts.browser()
	c.Jar = nil
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf strings.Builder
	_, _ = bufCopy(&buf, res)
	return response{status: res.StatusCode, header: res.Header, body: []byte(buf.String())}
}

// withDevice returns a copy of the admin's device changed by edit (the
// same key and credential id), to forge assertions.
func (e *badEnv) withDevice(edit func(*device)) *device {
	d := *e.d
	d.auth.Options = e.d.auth.Options
	edit(&d)
	return &d
}

type badCase struct {
	name    string
	prepare func(e *badEnv)
	attack  func(e *badEnv) response
	status  int
	code    string
}

func TestBadInputIsRefusedWithoutWritingAnything(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	admin := ts.setupAdmin(d, "ada@example.com", "Ada")
	if res := ts.login(ts.browser(), d, ts.newAuthRequest().ID, "", 1); res.status != http.StatusOK {
		t.Fatalf("first sign-in: %d %s", res.status, res.body)
	}
	other := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	bob, bobToken := ts.invite("bob@example.com", "Bob")
	if res := ts.enroll(ts.browser(), other, bobToken, map[string]any{}); res.status != http.StatusOK {
		t.Fatalf("enroll bob: %d %s", res.status, res.body)
	}
	_ = bob

	big := `{"auth_request_id":"` + strings.Repeat("a", 70<<10) + `"}`
	raw := func(path, contentType, body string) func(e *badEnv) response {
		return func(e *badEnv) response { return e.ts.do(e.c, http.MethodPost, path, contentType, []byte(body)) }
	}
	beginLogin := func(e *badEnv) { e.options = e.ts.beginLogin(e.c, e.ar.ID, "") }
	finishWith := func(cred func(e *badEnv) json.RawMessage) func(e *badEnv) response {
		return func(e *badEnv) response { return e.ts.post(e.c, "/login/passkey/finish", e.finishBody(cred(e))) }
	}
	beginEnroll := func(e *badEnv) {
		_, e.token = e.ts.invite("carol-"+secrets.ID()+"@example.com", "Carol")
		res := e.ts.post(e.c, "/enroll/"+e.token+"/begin", map[string]any{})
		if res.status != http.StatusOK {
			e.t.Fatalf("enroll begin: %d %s", res.status, res.body)
		}
		e.options = res.body
	}
	enrollFinish := func(cred func(e *badEnv) json.RawMessage) func(e *badEnv) response {
		return func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.token+"/finish", map[string]any{"credential": cred(e)})
		}
	}
	freshDevice := func(opts virtualwebauthn.AuthenticatorOptions) func(e *badEnv) json.RawMessage {
		return func(e *badEnv) json.RawMessage { return e.ts.newDevice(opts).attest(e.t, e.options) }
	}

	cases := []badCase{
		// POST /login/passkey/begin
		{name: "begin: malformed JSON", attack: raw("/login/passkey/begin", "application/json", `{"auth_request_id":`), status: 400, code: "invalid_request"},
		{name: "begin: wrong content type", attack: raw("/login/passkey/begin", "text/plain", `{}`), status: 415, code: "invalid_request"},
		{name: "begin: form content type", attack: raw("/login/passkey/begin", "application/x-www-form-urlencoded", `auth_request_id=x`), status: 415, code: "invalid_request"},
		{name: "begin: body over 64 KiB", attack: raw("/login/passkey/begin", "application/json", big), status: 413, code: "invalid_request"},
		{name: "begin: trailing data", attack: func(e *badEnv) response {
			return raw("/login/passkey/begin", "application/json", `{"auth_request_id":"`+e.ar.ID+`"}{}`)(e)
		}, status: 400, code: "invalid_request"},
		// No auth_request_id at all is a sign-in to the account page (account_test.go).
		{name: "begin: a blank auth request id", attack: raw("/login/passkey/begin", "application/json", `{"auth_request_id":" "}`), status: 400, code: "invalid_request"},
		{name: "begin: an auth request id with a NUL", attack: raw("/login/passkey/begin", "application/json", `{"auth_request_id":"a\u0000b"}`), status: 400, code: "invalid_request"},
		{name: "begin: unknown auth request", attack: raw("/login/passkey/begin", "application/json", `{"auth_request_id":"unknown"}`), status: 410, code: "sign_in_expired"},
		{name: "begin: expired auth request", prepare: func(e *badEnv) {
			e.ar = e.ts.newAuthRequest(func(a *storage.AuthRequest) {
				a.CreatedAt = a.CreatedAt.Add(-2 * time.Hour)
				a.ExpiresAt = a.CreatedAt.Add(time.Hour)
			})
		}, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/login/passkey/begin", map[string]string{"auth_request_id": e.ar.ID})
		}, status: 410, code: "sign_in_expired"},
		{name: "begin: finished auth request", prepare: func(e *badEnv) {
			if err := e.ts.store.FailAuthRequest(context.Background(), e.ar.ID, "access_denied", "x"); err != nil {
				e.t.Fatal(err)
			}
		}, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/login/passkey/begin", map[string]string{"auth_request_id": e.ar.ID})
		}, status: 410, code: "sign_in_expired"},
		{name: "begin: invalid email", attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/login/passkey/begin", map[string]string{"auth_request_id": e.ar.ID, "email": "not an email"})
		}, status: 400, code: "invalid_request"},
		{name: "begin: email with a display name", attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/login/passkey/begin", map[string]string{"auth_request_id": e.ar.ID, "email": "Ada <ada@example.com>"})
		}, status: 400, code: "invalid_request"},

		// POST /login/passkey/finish
		{name: "finish: malformed JSON", prepare: beginLogin, attack: raw("/login/passkey/finish", "application/json", `{"credential":{`), status: 400, code: "invalid_request"},
		{name: "finish: wrong content type", prepare: beginLogin, attack: raw("/login/passkey/finish", "text/plain", `{}`), status: 415, code: "invalid_request"},
		{name: "finish: body over 64 KiB", prepare: beginLogin, attack: raw("/login/passkey/finish", "application/json", big), status: 413, code: "invalid_request"},
		{name: "finish: no credential", prepare: beginLogin, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/login/passkey/finish", map[string]any{"auth_request_id": e.ar.ID})
		}, status: 400, code: "invalid_request"},
		{name: "finish: credential of the wrong shape", prepare: beginLogin, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/login/passkey/finish", e.finishBody(json.RawMessage(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AAAA","signature":"AAAA"}}`)))
		}, status: 400, code: "invalid_request"},
		{name: "finish: credential as a string", prepare: beginLogin, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/login/passkey/finish", e.finishBody(json.RawMessage(`"hello"`)))
		}, status: 400, code: "invalid_request"},
		{name: "finish: no ceremony cookie", prepare: beginLogin, attack: func(e *badEnv) response {
			return e.ts.post(e.ts.browser(), "/login/passkey/finish", e.finishBody(e.d.assert(e.t, e.options, e.next())))
		}, status: 400, code: "ceremony_expired"},
		{name: "finish: replayed ceremony (finish twice)", prepare: func(e *badEnv) {
			e.options = e.ts.beginLogin(e.c, e.ar.ID, "")
			e.cookie = e.ts.cookie(e.c, ceremonyCookie)
			e.body = e.finishBody(e.d.assert(e.t, e.options, e.next()))
			if res := e.ts.post(e.c, "/login/passkey/finish", e.body); res.status != http.StatusOK {
				e.t.Fatalf("first finish: %d %s", res.status, res.body)
			}
		}, attack: func(e *badEnv) response {
			return e.postWithCookie("/login/passkey/finish", e.body, e.cookie)
		}, status: 400, code: "ceremony_expired"},
		{name: "finish: expired ceremony (6 minutes later)", prepare: func(e *badEnv) {
			beginLogin(e)
			e.ts.clock.Advance(6 * time.Minute)
		}, attack: finishWith(func(e *badEnv) json.RawMessage { return e.d.assert(e.t, e.options, e.next()) }), status: 400, code: "ceremony_expired"},
		{name: "finish: ceremony of another auth request", prepare: beginLogin, attack: func(e *badEnv) response {
			otherAR := e.ts.newAuthRequest()
			return e.ts.post(e.c, "/login/passkey/finish", map[string]any{"auth_request_id": otherAR.ID, "credential": e.d.assert(e.t, e.options, e.next())})
		}, status: 400, code: "ceremony_expired"},
		{name: "finish: enrollment ceremony used to sign in", prepare: func(e *badEnv) {
			beginEnroll(e)
		}, attack: func(e *badEnv) response {
			e.options = e.ts.beginLogin(e.ts.browser(), e.ar.ID, "") // a real challenge, in another browser
			return e.ts.post(e.c, "/login/passkey/finish", e.finishBody(e.d.assert(e.t, e.options, e.next())))
		}, status: 400, code: "ceremony_expired"},
		{name: "finish: assertion answering another challenge", prepare: beginLogin, attack: func(e *badEnv) response {
			otherOptions := e.ts.beginLogin(e.ts.browser(), e.ar.ID, "")
			return e.ts.post(e.c, "/login/passkey/finish", e.finishBody(e.d.assert(e.t, otherOptions, e.next())))
		}, status: 400, code: "invalid_credential"},
		{name: "finish: unknown credential of a known person", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			stranger := e.ts.newDevice(virtualwebauthn.AuthenticatorOptions{UserHandle: e.admin.WebAuthnID})
			return stranger.assert(e.t, e.options, 1)
		}), status: 400},
		{name: "finish: unknown user handle", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			stranger := e.ts.newDevice(virtualwebauthn.AuthenticatorOptions{UserHandle: secrets.Bytes(32)})
			return stranger.assert(e.t, e.options, 1)
		}), status: 400, code: "unknown_credential"},
		{name: "finish: user handle over 64 bytes", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			return e.withDevice(func(d *device) { d.auth.Options.UserHandle = secrets.Bytes(65) }).assert(e.t, e.options, e.next())
		}), status: 400, code: "unknown_credential"},
		{name: "finish: another person's user handle on my passkey", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			return e.withDevice(func(d *device) { d.auth.Options.UserHandle = bob.WebAuthnID }).assert(e.t, e.options, e.next())
		}), status: 400},
		{name: "finish: without user verification", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			return e.withDevice(func(d *device) { d.auth.Options.UserNotVerified = true }).assert(e.t, e.options, e.next())
		}), status: 400, code: "invalid_credential"},
		{name: "finish: without user presence", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			return e.withDevice(func(d *device) { d.auth.Options.UserNotPresent = true }).assert(e.t, e.options, e.next())
		}), status: 400, code: "invalid_credential"},
		{name: "finish: from another origin", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			return e.withDevice(func(d *device) { d.rp.Origin = strings.Replace(e.ts.base, "localhost", "evil.localhost", 1) }).assert(e.t, e.options, e.next())
		}), status: 400, code: "invalid_credential"},
		{name: "finish: from another port", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			return e.withDevice(func(d *device) { d.rp.Origin = "http://localhost:1" }).assert(e.t, e.options, e.next())
		}), status: 400, code: "invalid_credential"},
		{name: "finish: for another RP ID", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			return e.withDevice(func(d *device) { d.rp.ID = "example.com" }).assert(e.t, e.options, e.next())
		}), status: 400, code: "invalid_credential"},
		{name: "finish: tampered signature", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			return tamper(e.t, e.d.assert(e.t, e.options, e.next()), "signature")
		}), status: 400, code: "invalid_credential"},
		{name: "finish: tampered authenticator data", prepare: beginLogin, attack: finishWith(func(e *badEnv) json.RawMessage {
			return tamper(e.t, e.d.assert(e.t, e.options, e.next()), "authenticatorData")
		}), status: 400},
		{name: "finish: a real passkey against an unknown email's decoys", prepare: func(e *badEnv) {
			e.options = e.ts.beginLogin(e.c, e.ar.ID, "nobody@example.com")
		}, attack: finishWith(func(e *badEnv) json.RawMessage { return e.d.assert(e.t, e.options, e.next()) }), status: 400, code: "unknown_credential"},
		{name: "finish: another person's passkey against my email", prepare: func(e *badEnv) {
			e.options = e.ts.beginLogin(e.c, e.ar.ID, "ada@example.com")
		}, attack: finishWith(func(e *badEnv) json.RawMessage { return other.assert(e.t, e.options, 1) }), status: 400},
		{name: "finish: the sign-in was cancelled meanwhile", prepare: func(e *badEnv) {
			beginLogin(e)
			if err := e.ts.store.FailAuthRequest(context.Background(), e.ar.ID, "access_denied", "x"); err != nil {
				e.t.Fatal(err)
			}
		}, attack: finishWith(func(e *badEnv) json.RawMessage { return e.d.assert(e.t, e.options, e.next()) }), status: 410, code: "sign_in_expired"},

		// POST /login/cancel
		{name: "cancel: malformed JSON", attack: raw("/login/cancel", "application/json", `{`), status: 400, code: "invalid_request"},
		{name: "cancel: wrong content type", attack: raw("/login/cancel", "text/plain", `{}`), status: 415, code: "invalid_request"},
		{name: "cancel: body over 64 KiB", attack: raw("/login/cancel", "application/json", big), status: 413, code: "invalid_request"},
		{name: "cancel: unknown auth request", attack: raw("/login/cancel", "application/json", `{"auth_request_id":"unknown"}`), status: 410, code: "sign_in_expired"},
		{name: "cancel: already finished", prepare: func(e *badEnv) {
			if err := e.ts.store.FailAuthRequest(context.Background(), e.ar.ID, "login_required", "x"); err != nil {
				e.t.Fatal(err)
			}
		}, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/login/cancel", map[string]string{"auth_request_id": e.ar.ID})
		}, status: 410, code: "sign_in_expired"},
		{name: "cancel: cross-origin browser request", attack: func(e *badEnv) response {
			b, _ := json.Marshal(map[string]string{"auth_request_id": e.ar.ID})
			req, _ := http.NewRequest(http.MethodPost, e.ts.base+"/login/cancel", strings.NewReader(string(b)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Origin", "https://evil.example")
			res, err := e.c.Do(req)
			if err != nil {
				e.t.Fatal(err)
			}
			defer res.Body.Close()
			var buf strings.Builder
			_, _ = bufCopy(&buf, res)
			return response{status: res.StatusCode, header: res.Header, body: []byte(buf.String())}
		}, status: 403, code: "cross_origin"},

		// POST /enroll/{token}/begin
		{name: "enroll begin: malformed JSON", prepare: func(e *badEnv) { e.token = e.ts.setupLink() }, attack: func(e *badEnv) response {
			return raw("/enroll/"+e.token+"/begin", "application/json", `{"email":`)(e)
		}, status: 400, code: "invalid_request"},
		{name: "enroll begin: wrong content type", prepare: func(e *badEnv) { e.token = e.ts.setupLink() }, attack: func(e *badEnv) response {
			return raw("/enroll/"+e.token+"/begin", "text/plain", `{"email":"x@example.com","name":"X"}`)(e)
		}, status: 415, code: "invalid_request"},
		{name: "enroll begin: body over 64 KiB", prepare: func(e *badEnv) { e.token = e.ts.setupLink() }, attack: func(e *badEnv) response {
			return raw("/enroll/"+e.token+"/begin", "application/json", big)(e)
		}, status: 413, code: "invalid_request"},
		{name: "enroll begin: unknown link", attack: raw("/enroll/"+secrets.Token()+"/begin", "application/json", `{}`), status: 410, code: "link_expired"},
		{name: "enroll begin: used link", attack: raw("/enroll/"+bobToken+"/begin", "application/json", `{}`), status: 410, code: "link_expired"},
		{name: "enroll begin: setup without an email", prepare: func(e *badEnv) { e.token = e.ts.setupLink() }, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.token+"/begin", map[string]string{"name": "X"})
		}, status: 400, code: "invalid_request"},
		{name: "enroll begin: setup with an invalid email", prepare: func(e *badEnv) { e.token = e.ts.setupLink() }, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.token+"/begin", map[string]string{"name": "X", "email": "x@@example.com"})
		}, status: 400, code: "invalid_request"},
		{name: "enroll begin: setup with a 65-character name", prepare: func(e *badEnv) { e.token = e.ts.setupLink() }, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.token+"/begin", map[string]string{"name": strings.Repeat("é", 65), "email": "x@example.com"})
		}, status: 400, code: "invalid_request"},
		{name: "enroll begin: setup with a blank name", prepare: func(e *badEnv) { e.token = e.ts.setupLink() }, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.token+"/begin", map[string]string{"name": " \t ", "email": "x@example.com"})
		}, status: 400, code: "invalid_request"},
		{name: "enroll begin: setup with a bidi override in the name", prepare: func(e *badEnv) { e.token = e.ts.setupLink() }, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.token+"/begin", map[string]string{"name": "Ada\u202eevil", "email": "x@example.com"})
		}, status: 400, code: "invalid_request"},
		{name: "enroll begin: setup with a taken email", prepare: func(e *badEnv) { e.token = e.ts.setupLink() }, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.token+"/begin", map[string]string{"name": "X", "email": "ADA@example.com"})
		}, status: 409, code: "email_taken"},

		// POST /enroll/{token}/finish
		{name: "enroll finish: malformed JSON", prepare: beginEnroll, attack: func(e *badEnv) response {
			return raw("/enroll/"+e.token+"/finish", "application/json", `{"credential":`)(e)
		}, status: 400, code: "invalid_request"},
		{name: "enroll finish: wrong content type", prepare: beginEnroll, attack: func(e *badEnv) response {
			return raw("/enroll/"+e.token+"/finish", "multipart/form-data", `{}`)(e)
		}, status: 415, code: "invalid_request"},
		{name: "enroll finish: body over 64 KiB", prepare: beginEnroll, attack: func(e *badEnv) response {
			return raw("/enroll/"+e.token+"/finish", "application/json", big)(e)
		}, status: 413, code: "invalid_request"},
		{name: "enroll finish: credential of the wrong shape", prepare: beginEnroll, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.token+"/finish", map[string]any{"credential": map[string]any{"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": map[string]string{"attestationObject": "oA", "clientDataJSON": "e30"}}})
		}, status: 400, code: "invalid_request"},
		{name: "enroll finish: invalid passkey name", prepare: beginEnroll, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.token+"/finish", map[string]any{"credential": e.ts.newDevice(virtualwebauthn.AuthenticatorOptions{}).attest(e.t, e.options), "name": "bad\u0000name"})
		}, status: 400, code: "invalid_request"},
		{name: "enroll finish: no ceremony cookie", prepare: beginEnroll, attack: func(e *badEnv) response {
			return e.ts.post(e.ts.browser(), "/enroll/"+e.token+"/finish", map[string]any{"credential": freshDevice(virtualwebauthn.AuthenticatorOptions{})(e)})
		}, status: 400, code: "ceremony_expired"},
		{name: "enroll finish: replayed ceremony", prepare: func(e *badEnv) {
			beginEnroll(e)
			e.cookie = e.ts.cookie(e.c, ceremonyCookie)
			e.body = map[string]any{"credential": freshDevice(virtualwebauthn.AuthenticatorOptions{})(e)}
			if res := e.ts.post(e.c, "/enroll/"+e.token+"/finish", e.body); res.status != http.StatusOK {
				e.t.Fatalf("first finish: %d %s", res.status, res.body)
			}
		}, attack: func(e *badEnv) response {
			return e.postWithCookie("/enroll/"+e.token+"/finish", e.body, e.cookie)
		}, status: 400, code: "ceremony_expired"},
		{name: "enroll finish: expired ceremony (6 minutes later)", prepare: func(e *badEnv) {
			beginEnroll(e)
			e.ts.clock.Advance(6 * time.Minute)
		}, attack: enrollFinish(freshDevice(virtualwebauthn.AuthenticatorOptions{})), status: 400, code: "ceremony_expired"},
		{name: "enroll finish: ceremony of another link", prepare: func(e *badEnv) {
			beginEnroll(e)
			_, e.cookie = e.ts.invite("dave-"+secrets.ID()+"@example.com", "Dave") // the other link's token
		}, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.cookie+"/finish", map[string]any{"credential": freshDevice(virtualwebauthn.AuthenticatorOptions{})(e)})
		}, status: 400, code: "ceremony_expired"},
		{name: "enroll finish: login ceremony used to enroll", prepare: func(e *badEnv) {
			_, e.token = e.ts.invite("erin-"+secrets.ID()+"@example.com", "Erin")
			beginLogin(e)
		}, attack: func(e *badEnv) response {
			return e.ts.post(e.c, "/enroll/"+e.token+"/finish", map[string]any{"credential": json.RawMessage(`{}`)})
		}, status: 400, code: "ceremony_expired"},
		{name: "enroll finish: registration reusing an existing credential id", prepare: beginEnroll, attack: enrollFinish(func(e *badEnv) json.RawMessage {
			return e.d.attest(e.t, e.options) // the admin's device: same credential id
		}), status: 409, code: "already_registered"},
		{name: "enroll finish: from another origin", prepare: beginEnroll, attack: enrollFinish(func(e *badEnv) json.RawMessage {
			dev := e.ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
			dev.rp.Origin = "http://localhost:1"
			return dev.attest(e.t, e.options)
		}), status: 400, code: "invalid_credential"},
		{name: "enroll finish: for another RP ID", prepare: beginEnroll, attack: enrollFinish(func(e *badEnv) json.RawMessage {
			dev := e.ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
			dev.rp.ID = "example.com"
			return dev.attest(e.t, e.options)
		}), status: 400, code: "invalid_credential"},
		{name: "enroll finish: without user verification", prepare: beginEnroll, attack: enrollFinish(freshDevice(virtualwebauthn.AuthenticatorOptions{UserNotVerified: true})), status: 400, code: "invalid_credential"},
		{name: "enroll finish: unrequested extension output", prepare: beginEnroll, attack: enrollFinish(freshDevice(virtualwebauthn.AuthenticatorOptions{
			ClientExtensionResults: map[string]any{"prf": map[string]any{"enabled": true}},
		})), status: 400, code: "invalid_credential"},
		{name: "enroll finish: tampered attestation", prepare: beginEnroll, attack: enrollFinish(func(e *badEnv) json.RawMessage {
			return tamper(e.t, freshDevice(virtualwebauthn.AuthenticatorOptions{})(e), "attestationObject")
		}), status: 400},
	}

	conn, err := pgx.Connect(context.Background(), ts.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	snapshot := func(t *testing.T) map[string]int {
		t.Helper()
		counts := map[string]int{}
		for name, query := range map[string]string{
			"users":                 `SELECT count(*) FROM users`,
			"passkeys":              `SELECT count(*) FROM passkeys`,
			"sessions":              `SELECT count(*) FROM sessions`,
			"enrollments":           `SELECT count(*) FROM enrollments`,
			"done requests":         `SELECT count(*) FROM auth_requests WHERE done`,
			"failed requests":       `SELECT count(*) FROM auth_requests WHERE error <> ''`,
			"sign counts":           `SELECT coalesce(sum(sign_count), 0) FROM passkeys`,
			"used passkeys":         `SELECT count(*) FROM passkeys WHERE last_used_at IS NOT NULL`,
			"passkeys with backups": `SELECT count(*) FROM passkeys WHERE backup_state`,
		} {
			var n int
			if err := conn.QueryRow(context.Background(), query).Scan(&n); err != nil {
				t.Fatal(err)
			}
			counts[name] = n
		}
		return counts
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := &badEnv{t: t, ts: ts, c: ts.browser(), ar: ts.newAuthRequest(), admin: admin, d: d}
			if tc.prepare != nil {
				tc.prepare(e)
			}
			before := snapshot(t)
			res := tc.attack(e)
			after := snapshot(t)

			wantRefusal(t, res, tc.status, tc.code, "webauthn")
			unchanged(t, before, after)
			for _, sc := range res.header.Values("Set-Cookie") {
				if strings.HasPrefix(sc, sessionCookie+"=") {
					t.Errorf("a session cookie was set: %s", sc)
				}
			}
		})
	}
}

// tamper flips a bit in one base64url field of a credential's response.
func tamper(t *testing.T, cred json.RawMessage, field string) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(cred, &m); err != nil {
		t.Fatal(err)
	}
	resp := m["response"].(map[string]any)
	b, err := base64.RawURLEncoding.DecodeString(resp[field].(string))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	resp[field] = base64.RawURLEncoding.EncodeToString(b)
	out, _ := json.Marshal(m)
	return out
}

// wantRefusal checks an answer to bad input: the status, a JSON error
// with a description (and the given code, when not ""), and nothing
// internal in the body — driver, stack, file, library names, and the
// extra words a test adds.
func wantRefusal(t *testing.T, res response, status int, code string, extraLeaks ...string) {
	t.Helper()
	if res.status != status {
		t.Errorf("status = %d, want %d (body %s)", res.status, status, res.body)
	}
	body := res.json(t)
	got, _ := body["error"].(string)
	desc, _ := body["error_description"].(string)
	if got == "" || desc == "" || (code != "" && got != code) {
		t.Errorf("body %s, want error %q with a description", res.body, code)
	}
	lower := strings.ToLower(string(res.body))
	for _, s := range append([]string{"sql", "goroutine", ".go:", "pgx", "postgres", "panic"}, extraLeaks...) {
		if strings.Contains(lower, s) {
			t.Errorf("body %s contains %q", res.body, s)
		}
	}
}

// unchanged checks that a snapshot of the store taken after a refused
// request equals the one taken before: nothing was written.
func unchanged[V comparable](t *testing.T, before, after map[string]V) {
	t.Helper()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed from %v to %v", k, v, after[k])
		}
	}
}
