package login

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

// consentBadEnv is what one bad decision works with: Ada's browser, signed
// in for a consent request and bound to it (so that only the one thing a
// case breaks is wrong), and Bob's signed-in browser.
type consentBadEnv struct {
	*consentEnv
	t    *testing.T
	path string // /consent/allow or /consent/deny
	ada  *http.Client
	ar   storage.AuthRequest
	bob  *http.Client
	id   string // what a case's prepare leaves for its attack
}

func (e *consentBadEnv) send(body string) response {
	return e.do(e.ada, http.MethodPost, e.path, "application/json", []byte(body))
}

func (e *consentBadEnv) sendID(c *http.Client, id string) response {
	return e.postCSRF(c, e.path, map[string]string{"auth_request_id": id})
}

func TestBadConsentDecisionsAreRefusedWithoutWritingAnything(t *testing.T) {
	t.Parallel()
	env := newConsentEnv(t)
	bobDevice := env.newDevice(virtualwebauthn.AuthenticatorOptions{})
	_, token := env.invite("bob@example.com", "Bob")
	if res := env.enroll(env.browser(), bobDevice, token, map[string]any{}); res.status != http.StatusOK {
		t.Fatalf("enroll bob: %d %s", res.status, res.body)
	}

	big := `{"auth_request_id":"` + strings.Repeat("a", 70<<10) + `"}`
	askAgain := func(a *storage.AuthRequest) { a.Prompt = []string{"consent"} }
	cases := []struct {
		name    string
		prepare func(e *consentBadEnv)
		attack  func(e *consentBadEnv) response
		status  int
		code    string
	}{
		{name: "malformed JSON", attack: func(e *consentBadEnv) response { return e.send(`{"auth_request_id":`) }, status: 400, code: "invalid_request"},
		{name: "trailing data", attack: func(e *consentBadEnv) response {
			return e.send(`{"auth_request_id":"` + e.ar.ID + `"}{}`)
		}, status: 400, code: "invalid_request"},
		{name: "wrong content type", attack: func(e *consentBadEnv) response {
			return e.do(e.ada, http.MethodPost, e.path, "text/plain", []byte(`{"auth_request_id":"`+e.ar.ID+`"}`))
		}, status: 415, code: "invalid_request"},
		{name: "form content type", attack: func(e *consentBadEnv) response {
			return e.do(e.ada, http.MethodPost, e.path, "application/x-www-form-urlencoded", []byte("auth_request_id="+e.ar.ID))
		}, status: 415, code: "invalid_request"},
		{name: "body over 64 KiB", attack: func(e *consentBadEnv) response { return e.send(big) }, status: 413, code: "invalid_request"},
		{name: "no auth request id", attack: func(e *consentBadEnv) response { return e.send(`{}`) }, status: 400, code: "invalid_request"},
		{name: "an auth request id with a NUL", attack: func(e *consentBadEnv) response {
			return e.send(`{"auth_request_id":"a\u0000b"}`)
		}, status: 400, code: "invalid_request"},
		{name: "unknown auth request", attack: func(e *consentBadEnv) response { return e.sendID(e.ada, "unknown") }, status: 410, code: "sign_in_expired"},
		{name: "expired auth request", prepare: func(e *consentBadEnv) {
			e.id = e.appRequest([]string{"openid"}, func(a *storage.AuthRequest) {
				a.CreatedAt = a.CreatedAt.Add(-2 * time.Hour)
				a.ExpiresAt = a.CreatedAt.Add(time.Hour)
			}).ID
		}, attack: func(e *consentBadEnv) response { return e.sendID(e.ada, e.id) }, status: 410, code: "sign_in_expired"},
		{name: "an auth request already allowed", prepare: func(e *consentBadEnv) {
			if res := e.decide(e.ada, "allow", e.ar.ID); res.status != http.StatusOK {
				e.t.Fatalf("allow: %d %s", res.status, res.body)
			}
		}, attack: func(e *consentBadEnv) response { return e.sendID(e.ada, e.ar.ID) }, status: 410, code: "sign_in_expired"},
		{name: "an auth request already denied", prepare: func(e *consentBadEnv) {
			if res := e.decide(e.ada, "deny", e.ar.ID); res.status != http.StatusOK {
				e.t.Fatalf("deny: %d %s", res.status, res.body)
			}
		}, attack: func(e *consentBadEnv) response { return e.sendID(e.ada, e.ar.ID) }, status: 410, code: "sign_in_expired"},
		{name: "an auth request cancelled on the sign-in page", prepare: func(e *consentBadEnv) {
			if res := e.post(e.ada, "/login/cancel", map[string]string{"auth_request_id": e.ar.ID}); res.status != http.StatusOK {
				e.t.Fatalf("cancel: %d %s", res.status, res.body)
			}
		}, attack: func(e *consentBadEnv) response { return e.sendID(e.ada, e.ar.ID) }, status: 410, code: "sign_in_expired"},
		{name: "no session", attack: func(e *consentBadEnv) response { return e.sendID(e.browser(), e.ar.ID) }, status: 403, code: "login_required"},
		{name: "no CSRF token", attack: func(e *consentBadEnv) response {
			return e.post(e.ada, e.path, map[string]string{"auth_request_id": e.ar.ID})
		}, status: 403, code: "csrf"},
		{name: "another session's CSRF token", attack: func(e *consentBadEnv) response {
			return e.doWith(e.ada, http.MethodPost, e.path, "application/json", []byte(`{"auth_request_id":"`+e.ar.ID+`"}`), csrfHeaderOf(e.csrfFor(e.bob)))
		}, status: 403, code: "csrf"},
		{name: "the consent cookie without the session", attack: func(e *consentBadEnv) response {
			return e.postWithCookies(e.path, map[string]string{"auth_request_id": e.ar.ID}, e.jarCookie(e.ada, consentCookie))
		}, status: 403, code: "login_required"},
		{name: "an expired session", prepare: func(e *consentBadEnv) {
			// Past the 12-hour session but not the request: the request
			// is made to outlive it.
			e.ar = e.appRequest([]string{"openid"}, askAgain, func(a *storage.AuthRequest) { a.ExpiresAt = a.CreatedAt.Add(24 * time.Hour) })
			e.signInToConsent(e.ada, e.ar.ID)
			e.clock.Advance(12*time.Hour + time.Second)
		}, attack: func(e *consentBadEnv) response { return e.sendID(e.ada, e.ar.ID) }, status: 403, code: "login_required"},
		{name: "another person's session", attack: func(e *consentBadEnv) response { return e.sendID(e.bob, e.ar.ID) }, status: 403, code: "wrong_session"},
		{name: "another person's session with the right consent cookie", attack: func(e *consentBadEnv) response {
			return e.postWithCookies(e.path, map[string]string{"auth_request_id": e.ar.ID},
				e.jarCookie(e.bob, sessionCookie), e.jarCookie(e.ada, consentCookie))
		}, status: 403, code: "wrong_session"},
		{name: "the person's other session with the right consent cookie", prepare: func(e *consentBadEnv) {
			other := e.browser()
			if res := e.signIn(other, e.d, e.newAuthRequest().ID); res.status != http.StatusOK {
				e.t.Fatalf("second sign-in: %d %s", res.status, res.body)
			}
			e.id = e.cookie(other, sessionCookie)
		}, attack: func(e *consentBadEnv) response {
			return e.postWithCookies(e.path, map[string]string{"auth_request_id": e.ar.ID},
				&http.Cookie{Name: sessionCookie, Value: e.id}, e.jarCookie(e.ada, consentCookie))
		}, status: 403, code: "wrong_session"},
		{name: "the right session bound to another request", prepare: func(e *consentBadEnv) {
			e.id = e.appRequest([]string{"openid"}).ID // never signed in for
		}, attack: func(e *consentBadEnv) response { return e.sendID(e.ada, e.id) }, status: 403, code: "wrong_session"},
		{name: "a request that needs no consent", prepare: func(e *consentBadEnv) {
			e.id = e.newAuthRequest().ID
		}, attack: func(e *consentBadEnv) response { return e.sendID(e.ada, e.id) }, status: 403, code: "wrong_session"},
		{name: "a forged consent cookie", attack: func(e *consentBadEnv) response {
			return e.postWithCookies(e.path, map[string]string{"auth_request_id": e.ar.ID},
				e.jarCookie(e.ada, sessionCookie), &http.Cookie{Name: consentCookie, Value: strings.Repeat("A", 43)})
		}, status: 403, code: "wrong_session"},
		{name: "cross-origin browser request", attack: func(e *consentBadEnv) response {
			req, _ := http.NewRequest(http.MethodPost, e.base+e.path, strings.NewReader(`{"auth_request_id":"`+e.ar.ID+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Origin", "https://evil.example")
			res, err := e.ada.Do(req)
			if err != nil {
				e.t.Fatal(err)
			}
			defer res.Body.Close()
			var buf strings.Builder
			_, _ = bufCopy(&buf, res)
			return response{status: res.StatusCode, header: res.Header, body: []byte(buf.String())}
		}, status: 403, code: "cross_origin"},
	}

	conn, err := pgx.Connect(context.Background(), env.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	snapshot := func(t *testing.T) map[string]int {
		t.Helper()
		counts := map[string]int{}
		for name, query := range map[string]string{
			"done requests":   `SELECT count(*) FROM auth_requests WHERE done`,
			"failed requests": `SELECT count(*) FROM auth_requests WHERE error <> ''`,
			"consents":        `SELECT count(*) FROM consents`,
			"sessions":        `SELECT count(*) FROM sessions`,
			"sign counts":     `SELECT coalesce(sum(sign_count), 0) FROM passkeys`,
		} {
			var n int
			if err := conn.QueryRow(context.Background(), query).Scan(&n); err != nil {
				t.Fatal(err)
			}
			counts[name] = n
		}
		return counts
	}

	for _, path := range []string{"/consent/allow", "/consent/deny"} {
		for _, tc := range cases {
			t.Run(strings.TrimPrefix(path, "/consent/")+": "+tc.name, func(t *testing.T) {
				// Fresh sign-ins each time: a case may move the clock past
				// a session's end.
				e := &consentBadEnv{consentEnv: env, t: t, path: path, ada: env.browser(), bob: env.browser()}
				if res := env.signIn(e.bob, bobDevice, env.newAuthRequest().ID); res.status != http.StatusOK {
					t.Fatalf("bob's sign-in: %d %s", res.status, res.body)
				}
				// prompt=consent: a case that allows must not let later
				// cases skip the page.
				e.ar = e.appRequest([]string{"openid", "email"}, askAgain)
				e.signInToConsent(e.ada, e.ar.ID)
				if tc.prepare != nil {
					tc.prepare(e)
				}
				before := snapshot(t)
				res := tc.attack(e)
				after := snapshot(t)

				wantRefusal(t, res, tc.status, tc.code, "hmac")
				unchanged(t, before, after)
				if got := e.authRequest(e.ar.ID); tc.prepare == nil && (got.Done || got.Error != "") {
					t.Errorf("the bound request was decided: %+v", got)
				}
				if sc := res.header.Values("Set-Cookie"); len(sc) != 0 {
					t.Errorf("cookies were set: %v", sc)
				}
			})
		}
	}
}
