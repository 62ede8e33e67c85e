package login

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/internal/secrets"
)

// accountBadEnv is what one bad account request works with: Ada's browser,
// freshly signed in, and scratch space that prepare leaves for attack.
type accountBadEnv struct {
	*accountEnv
	t *testing.T
	c *http.Client

	bobPasskey string
	challenge  response
	saved      string
	body       any
}

func (e *accountBadEnv) raw(method, path, contentType, body string) response {
	return e.doWith(e.c, method, path, contentType, []byte(body), csrfHeaderOf(e.csrfFor(e.c)))
}

// stale moves the clock past the five minutes of the last ceremony.
func (e *accountBadEnv) stale() { e.clock.Advance(6 * time.Minute) }

// askStepUp makes a destructive call that answers a step-up challenge.
func (e *accountBadEnv) askStepUp() {
	e.stale()
	e.challenge = e.call(e.c, http.MethodPost, "/api/v1/me/recovery-codes", nil)
	if e.challenge.status != http.StatusForbidden {
		e.t.Fatalf("want a step-up challenge, got %d %s", e.challenge.status, e.challenge.body)
	}
}

// challengeOptions are the request options of the step-up challenge, in
// the envelope virtualwebauthn reads.
func (e *accountBadEnv) challengeOptions() []byte {
	var body struct {
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(e.challenge.body, &body); err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]json.RawMessage{"publicKey": body.PublicKey})
	return b
}

func TestBadAccountRequestsAreRefusedWithoutWritingAnything(t *testing.T) {
	t.Parallel()
	env := newAccountEnv(t, nil)
	bobDevice := env.newDevice(virtualwebauthn.AuthenticatorOptions{})
	_, token := env.invite("bob@example.com", "Bob")
	if res := env.enroll(env.browser(), bobDevice, token, map[string]any{}); res.status != http.StatusOK {
		t.Fatalf("enroll bob: %d %s", res.status, res.body)
	}
	bobPasskey := env.passkey(bobDevice).ID
	adaPasskey := env.passkey(env.d).ID
	passkeyPath := "/api/v1/me/passkeys/" + adaPasskey
	big := `{"name":"` + strings.Repeat("a", 70<<10) + `"}`
	rename := func(id, name string) func(e *accountBadEnv) response {
		return func(e *accountBadEnv) response {
			return e.call(e.c, http.MethodPatch, "/api/v1/me/passkeys/"+id, map[string]string{"name": name})
		}
	}
	remove := func(id string) func(e *accountBadEnv) response {
		return func(e *accountBadEnv) response { return e.call(e.c, http.MethodDelete, "/api/v1/me/passkeys/"+id, nil) }
	}
	beginRegister := func(e *accountBadEnv) {
		if res := e.call(e.c, http.MethodPost, "/api/v1/me/passkeys/register/begin", nil); res.status != http.StatusOK {
			e.t.Fatalf("register begin: %d %s", res.status, res.body)
		}
	}
	finishRegister := func(body any) func(e *accountBadEnv) response {
		return func(e *accountBadEnv) response {
			return e.call(e.c, http.MethodPost, "/api/v1/me/passkeys/register/finish", body)
		}
	}
	stepUpFinish := func(d func(e *accountBadEnv) *device) func(e *accountBadEnv) response {
		return func(e *accountBadEnv) response {
			dev := d(e)
			counter := uint32(1)
			if p, err := e.store.PasskeyByCredentialID(e.ctx(), dev.cred.ID); err == nil {
				counter = p.SignCount + 1
			}
			return e.call(e.c, http.MethodPost, "/account/step-up/finish", map[string]any{"credential": dev.assert(e.t, e.challengeOptions(), counter)})
		}
	}
	ada := func(e *accountBadEnv) *device { return e.d }

	cases := []struct {
		name    string
		prepare func(e *accountBadEnv)
		attack  func(e *accountBadEnv) response
		status  int
		code    string
	}{
		// Passkey ids: unknown, another person's, malformed — all 404.
		{name: "rename: an unknown id", attack: rename(secrets.ID(), "x"), status: 404, code: "not_found"},
		{name: "rename: another person's passkey", attack: rename(bobPasskey, "x"), status: 404, code: "not_found"},
		{name: "rename: an id with a NUL", attack: rename("a%00b", "x"), status: 404, code: "not_found"},
		{name: "rename: an id with a space", attack: rename("a%20b", "x"), status: 404, code: "not_found"},
		{name: "rename: an id of 200 characters", attack: rename(strings.Repeat("a", 200), "x"), status: 404, code: "not_found"},
		{name: "rename: an id of non-ASCII", attack: rename("%C3%A9t%C3%A9", "x"), status: 404, code: "not_found"},
		{name: "delete: an unknown id", attack: remove(secrets.ID()), status: 404, code: "not_found"},
		{name: "delete: another person's passkey", attack: remove(bobPasskey), status: 404, code: "not_found"},
		{name: "delete: another person's passkey with a stale session", prepare: (*accountBadEnv).stale, attack: remove(bobPasskey), status: 404, code: "not_found"},
		{name: "delete: an id with a NUL", attack: remove("a%00b"), status: 404, code: "not_found"},
		{name: "delete: an id of 200 characters", attack: remove(strings.Repeat("a", 200)), status: 404, code: "not_found"},

		// Names.
		{name: "rename: an empty name", attack: rename(adaPasskey, ""), status: 400, code: "invalid_request"},
		{name: "rename: a name of spaces", attack: rename(adaPasskey, " \t "), status: 400, code: "invalid_request"},
		{name: "rename: 65 code points", attack: rename(adaPasskey, strings.Repeat("é", 65)), status: 400, code: "invalid_request"},
		{name: "rename: 65 emoji", attack: rename(adaPasskey, strings.Repeat("🔑", 65)), status: 400, code: "invalid_request"},
		{name: "rename: a control character", attack: rename(adaPasskey, "Key\u0007"), status: 400, code: "invalid_request"},
		{name: "rename: a newline", attack: rename(adaPasskey, "Key\nTwo"), status: 400, code: "invalid_request"},
		{name: "rename: a right-to-left override", attack: rename(adaPasskey, "Key\u202egnp.exe"), status: 400, code: "invalid_request"},
		{name: "rename: a zero-width space", attack: rename(adaPasskey, "Ke\u200by"), status: 400, code: "invalid_request"},
		{name: "rename: a name that is not a string", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPatch, passkeyPath, "application/json", `{"name":5}`)
		}, status: 400, code: "invalid_request"},
		{name: "register finish: a name of 65 code points", prepare: beginRegister, attack: func(e *accountBadEnv) response {
			return finishRegister(map[string]any{"name": strings.Repeat("x", 65), "credential": e.newDevice(virtualwebauthn.AuthenticatorOptions{}).attest(e.t, []byte(`{"publicKey":{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rp":{"id":"localhost","name":"x"},"user":{"id":"AA","name":"x","displayName":"x"}}}`))})(e)
		}, status: 400, code: "invalid_request"},

		// Bodies.
		{name: "rename: malformed JSON", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPatch, passkeyPath, "application/json", `{"name":`)
		}, status: 400, code: "invalid_request"},
		{name: "rename: trailing data", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPatch, passkeyPath, "application/json", `{"name":"a"}{}`)
		}, status: 400, code: "invalid_request"},
		{name: "rename: wrong content type", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPatch, passkeyPath, "text/plain", `{"name":"a"}`)
		}, status: 415, code: "invalid_request"},
		{name: "rename: a form", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPatch, passkeyPath, "application/x-www-form-urlencoded", `name=a`)
		}, status: 415, code: "invalid_request"},
		{name: "rename: a body over 64 KiB", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPatch, passkeyPath, "application/json", big)
		}, status: 413, code: "invalid_request"},
		{name: "register begin: malformed JSON", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPost, "/api/v1/me/passkeys/register/begin", "application/json", `{`)
		}, status: 400, code: "invalid_request"},
		{name: "register begin: wrong content type", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPost, "/api/v1/me/passkeys/register/begin", "text/plain", `{}`)
		}, status: 415, code: "invalid_request"},
		{name: "register begin: a body over 64 KiB", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPost, "/api/v1/me/passkeys/register/begin", "application/json", big)
		}, status: 413, code: "invalid_request"},
		{name: "register finish: malformed JSON", prepare: beginRegister, attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPost, "/api/v1/me/passkeys/register/finish", "application/json", `{"credential":{`)
		}, status: 400, code: "invalid_request"},
		{name: "register finish: wrong content type", prepare: beginRegister, attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPost, "/api/v1/me/passkeys/register/finish", "text/plain", `{}`)
		}, status: 415, code: "invalid_request"},
		{name: "register finish: a body over 64 KiB", prepare: beginRegister, attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPost, "/api/v1/me/passkeys/register/finish", "application/json", big)
		}, status: 413, code: "invalid_request"},
		{name: "register finish: no credential", prepare: beginRegister, attack: finishRegister(map[string]any{}), status: 400, code: "invalid_request"},
		{name: "register finish: a credential of the wrong shape", prepare: beginRegister, attack: finishRegister(map[string]any{"credential": map[string]any{"id": "AAAA", "type": "public-key"}}), status: 400, code: "invalid_request"},
		{name: "recovery codes: malformed JSON", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPost, "/api/v1/me/recovery-codes", "application/json", `[`)
		}, status: 400, code: "invalid_request"},
		{name: "recovery codes: wrong content type", attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPost, "/api/v1/me/recovery-codes", "text/plain", `{}`)
		}, status: 415, code: "invalid_request"},

		// Ceremonies.
		{name: "register finish without begin", attack: func(e *accountBadEnv) response {
			return finishRegister(map[string]any{"credential": e.newDevice(virtualwebauthn.AuthenticatorOptions{}).attest(e.t, []byte(`{"publicKey":{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rp":{"id":"localhost","name":"x"},"user":{"id":"AA","name":"x","displayName":"x"}}}`))})(e)
		}, status: 400, code: "ceremony_expired"},
		{name: "register finish: a registration begun by another session", prepare: func(e *accountBadEnv) {
			other := e.browser()
			if res := e.accountSignIn(other, e.d); res.status != http.StatusOK {
				e.t.Fatalf("second sign-in: %d %s", res.status, res.body)
			}
			res := e.call(other, http.MethodPost, "/api/v1/me/passkeys/register/begin", nil)
			e.body = map[string]any{"credential": e.newDevice(virtualwebauthn.AuthenticatorOptions{}).attest(e.t, res.body)}
			e.saved = e.cookie(other, ceremonyCookie)
		}, attack: func(e *accountBadEnv) response {
			return e.postWithCookies("/api/v1/me/passkeys/register/finish", e.body, e.jarCookie(e.c, sessionCookie), &http.Cookie{Name: ceremonyCookie, Value: e.saved})
		}, status: 400, code: "ceremony_expired"},
		{name: "register finish: a step-up ceremony", prepare: func(e *accountBadEnv) { e.askStepUp() }, attack: func(e *accountBadEnv) response {
			return finishRegister(map[string]any{"credential": e.newDevice(virtualwebauthn.AuthenticatorOptions{}).attest(e.t, e.challengeOptions())})(e)
		}, status: 400, code: "ceremony_expired"},
		{name: "step-up finish without a challenge", attack: func(e *accountBadEnv) response {
			return e.call(e.c, http.MethodPost, "/account/step-up/finish", map[string]any{"credential": json.RawMessage(`{}`)})
		}, status: 400, code: "ceremony_expired"},
		{name: "step-up finish: an expired ceremony (6 minutes later)", prepare: func(e *accountBadEnv) {
			e.askStepUp()
			e.stale()
		}, attack: stepUpFinish(ada), status: 400, code: "ceremony_expired"},
		{name: "step-up finish: a replayed ceremony", prepare: func(e *accountBadEnv) {
			e.askStepUp()
			e.saved = e.cookie(e.c, ceremonyCookie)
			e.body = map[string]any{"credential": e.d.assert(e.t, e.challengeOptions(), e.passkey(e.d).SignCount+1)}
			if res := e.call(e.c, http.MethodPost, "/account/step-up/finish", e.body); res.status != http.StatusNoContent {
				e.t.Fatalf("first finish: %d %s", res.status, res.body)
			}
		}, attack: func(e *accountBadEnv) response {
			return e.postWithCookies("/account/step-up/finish", e.body, e.jarCookie(e.c, sessionCookie), &http.Cookie{Name: ceremonyCookie, Value: e.saved})
		}, status: 400, code: "ceremony_expired"},
		{name: "step-up finish: another person's passkey", prepare: func(e *accountBadEnv) { e.askStepUp() },
			attack: stepUpFinish(func(*accountBadEnv) *device { return bobDevice }), status: 400},
		{name: "step-up finish: a passkey unknown here", prepare: func(e *accountBadEnv) { e.askStepUp() },
			attack: stepUpFinish(func(e *accountBadEnv) *device {
				return e.newDevice(virtualwebauthn.AuthenticatorOptions{UserHandle: e.ada.WebAuthnID})
			}), status: 400},
		{name: "step-up finish: without user verification", prepare: func(e *accountBadEnv) { e.askStepUp() },
			attack: stepUpFinish(func(e *accountBadEnv) *device {
				d := *e.d
				d.auth.Options.UserNotVerified = true
				return &d
			}), status: 400, code: "invalid_credential"},
		{name: "step-up finish: malformed JSON", prepare: func(e *accountBadEnv) { e.askStepUp() }, attack: func(e *accountBadEnv) response {
			return e.raw(http.MethodPost, "/account/step-up/finish", "application/json", `{"credential":`)
		}, status: 400, code: "invalid_request"},
		{name: "step-up finish: no CSRF token", prepare: func(e *accountBadEnv) { e.askStepUp() }, attack: func(e *accountBadEnv) response {
			return e.callWith(e.c, http.MethodPost, "/account/step-up/finish", map[string]any{"credential": e.d.assert(e.t, e.challengeOptions(), e.passkey(e.d).SignCount+1)}, nil)
		}, status: 403, code: "csrf"},
		{name: "step-up finish: no session", prepare: func(e *accountBadEnv) { e.askStepUp() }, attack: func(e *accountBadEnv) response {
			return e.call(e.browser(), http.MethodPost, "/account/step-up/finish", map[string]any{"credential": json.RawMessage(`{}`)})
		}, status: 403, code: "login_required"},

		// Step-up and the last passkey.
		{name: "new recovery codes after an expired step-up", prepare: func(e *accountBadEnv) {
			e.askStepUp()
			if res := stepUpFinish(ada)(e); res.status != http.StatusNoContent {
				e.t.Fatalf("step-up: %d %s", res.status, res.body)
			}
			e.stale()
		}, attack: func(e *accountBadEnv) response {
			return e.call(e.c, http.MethodPost, "/api/v1/me/recovery-codes", nil)
		}, status: 403, code: "step_up_required"},
		{name: "the last passkey with no recovery code", attack: remove(adaPasskey), status: 409, code: "last_passkey"},
		// Refused before any step-up: nobody does a ceremony to be refused.
		{name: "the last passkey with no recovery code, from a stale session", prepare: (*accountBadEnv).stale, attack: remove(adaPasskey), status: 409, code: "last_passkey"},

		// Authentication.
		{name: "no CSRF token", attack: func(e *accountBadEnv) response {
			return e.callWith(e.c, http.MethodPatch, passkeyPath, map[string]string{"name": "x"}, nil)
		}, status: 403, code: "csrf"},
		{name: "a CSRF token of the session before this one", prepare: func(e *accountBadEnv) {
			e.saved = e.csrfFor(e.c)
			if res := e.accountSignIn(e.c, e.d); res.status != http.StatusOK {
				e.t.Fatalf("sign in again: %d %s", res.status, res.body)
			}
		}, attack: func(e *accountBadEnv) response {
			return e.callWith(e.c, http.MethodPatch, passkeyPath, map[string]string{"name": "x"}, csrfHeaderOf(e.saved))
		}, status: 403, code: "csrf"},
		{name: "no session", attack: func(e *accountBadEnv) response {
			return e.call(e.browser(), http.MethodPatch, passkeyPath, map[string]string{"name": "x"})
		}, status: 401, code: "unauthorized"},
		{name: "a Basic authorization", attack: func(e *accountBadEnv) response {
			return e.callWith(e.browser(), http.MethodGet, "/api/v1/me/passkeys", nil, http.Header{"Authorization": {"Basic YTpi"}})
		}, status: 401, code: "unauthorized"},
	}

	conn, err := pgx.Connect(context.Background(), env.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	snapshot := func(t *testing.T) map[string]string {
		t.Helper()
		out := map[string]string{}
		for name, query := range map[string]string{
			"passkeys":       `SELECT count(*)::text || ':' || coalesce(string_agg(name, ',' ORDER BY id), '') FROM passkeys`,
			"events":         `SELECT count(*)::text FROM security_events`,
			"recovery codes": `SELECT count(*)::text FROM recovery_codes`,
			"session auth":   `SELECT coalesce(string_agg(auth_time::text, ',' ORDER BY id), '') FROM sessions`,
			"sign counts":    `SELECT coalesce(sum(sign_count), 0)::text FROM passkeys`,
			"flags":          `SELECT count(*)::text FROM passkeys WHERE clone_warning`,
		} {
			var v string
			if err := conn.QueryRow(context.Background(), query).Scan(&v); err != nil {
				t.Fatal(err)
			}
			out[name] = v
		}
		return out
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := &accountBadEnv{accountEnv: env, t: t, c: env.browser(), bobPasskey: bobPasskey}
			if res := env.accountSignIn(e.c, env.d); res.status != http.StatusOK {
				t.Fatalf("sign-in: %d %s", res.status, res.body)
			}
			if tc.prepare != nil {
				tc.prepare(e)
			}
			before := snapshot(t)
			res := tc.attack(e)
			after := snapshot(t)

			wantRefusal(t, res, tc.status, tc.code, "webauthn", "storage")
			unchanged(t, before, after)
			for _, sc := range res.header.Values("Set-Cookie") {
				if strings.HasPrefix(sc, sessionCookie+"=") {
					t.Errorf("a session cookie was set: %s", sc)
				}
			}
		})
	}
}
