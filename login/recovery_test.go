package login

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/storage"
	"github.com/latchkey-id/latchkey/storage/postgres"
)

// A person who lost their device signs in with email and a recovery code,
// creates a new passkey on the link that buys, and the sign-in continues to
// the app: the request completes with the new passkey's session, and the
// recovery shows in their security events. The code, and the link, work
// once.
func TestARecoveryCodeSignsInOnceWithANewPasskey(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ada, oldDevice, codes := ts.personWithCodes("ada@example.com")
	if got := ts.unusedCodes(ada.ID); got != 10 {
		t.Fatalf("%d unused codes stored, want 10", got)
	}
	if !slices.Contains(kinds(ts.events(ada.ID)), eventRecoveryCodesCreated) {
		t.Errorf("events %v lack %s", kinds(ts.events(ada.ID)), eventRecoveryCodesCreated)
	}

	c := ts.browser()
	ar := ts.newAuthRequest()
	page := ts.get(c, "/login?authRequestID="+ar.ID)
	if !strings.Contains(string(page.body), `href="../login/recovery?authRequestID=`+ar.ID+`"`) &&
		!strings.Contains(string(page.body), `href="./login/recovery?authRequestID=`+ar.ID+`"`) {
		t.Errorf("the sign-in page has no \"Lost your passkey?\" link:\n%s", page.body)
	}
	if rp := ts.get(c, "/login/recovery?authRequestID="+ar.ID); rp.status != http.StatusOK ||
		!strings.Contains(string(rp.body), "Lost your passkey?") || !strings.Contains(string(rp.body), `data-auth-request-id="`+ar.ID+`"`) {
		t.Fatalf("recovery page: %d %s", rp.status, rp.body)
	}

	// Typed as people do: lower case, spaces for the dash.
	typed := strings.ToLower(strings.Replace(codes[3], "-", " ", 1))
	ts.clock.Advance(time.Minute)
	token := ts.enrollToken(ts.recover(c, ar.ID, " ADA@example.com ", typed))
	if got := ts.unusedCodes(ada.ID); got != 9 {
		t.Errorf("%d unused codes after one recovery, want 9", got)
	}
	if got := ts.authRequest(ar.ID); got.Done {
		t.Fatal("the recovery completed the request before a new passkey exists")
	}
	if page := ts.get(c, "/enroll/"+token); page.status != http.StatusOK || !strings.Contains(string(page.body), "Create a new passkey") ||
		!strings.Contains(string(page.body), "ada@example.com") {
		t.Fatalf("enroll page of the recovery link: %d %s", page.status, page.body)
	}

	newDevice := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	got := ts.enrolled(c, newDevice, token)
	if got.RedirectTo != ts.handler.CallbackURL(ar.ID) {
		t.Fatalf("redirect_to = %q, want the OP's callback", got.RedirectTo)
	}
	if len(got.RecoveryCodes) != 0 {
		t.Errorf("a recovery enrollment answered new codes: %v", got.RecoveryCodes)
	}
	now := ts.clock.Now()
	done := ts.authRequest(ar.ID)
	sess := ts.browserSession(c)
	if !done.Done || done.UserID != ada.ID || done.SessionID != sess.ID || !done.AuthTime.Equal(now) ||
		!slices.Equal(done.AMR, []string{"hwk", "user", "mfa"}) {
		t.Fatalf("request after the recovery = %+v", done)
	}
	if sess.UserID != ada.ID || !sess.AuthTime.Equal(now) || sess.UserAgent != "latchkey-test/1.0" {
		t.Errorf("session = %+v", sess)
	}
	if p := ts.passkey(newDevice); p.UserID != ada.ID || p.ID != got.Passkey.ID || !p.LastUsedAt.Equal(now) {
		t.Errorf("new passkey = %+v", p)
	}
	ts.passkey(oldDevice) // a recovery removes nothing; the account page does

	var used storage.SecurityEvent
	for _, e := range ts.events(ada.ID) {
		if e.Kind == eventRecoveryUsed {
			used = e
		}
	}
	if used.IP != "127.0.0.1" || used.UserAgent != "latchkey-test/1.0" || used.Detail != "9 recovery codes left" || !used.CreatedAt.Equal(now) {
		t.Errorf("recovery_used event = %+v", used)
	}
	for _, want := range []string{eventRecoveryUsed, eventPasskeyAdded, eventSignIn} {
		if !slices.Contains(kinds(ts.events(ada.ID)), want) {
			t.Errorf("events %v lack %s", kinds(ts.events(ada.ID)), want)
		}
	}

	// The link works once.
	again := ts.post(ts.browser(), "/enroll/"+token+"/begin", map[string]any{})
	wantError(t, again, http.StatusGone, "link_expired")
	if page := ts.get(ts.browser(), "/enroll/"+token); page.status != http.StatusGone {
		t.Errorf("used link page: %d", page.status)
	}
	// The code works once.
	wantError(t, ts.recover(ts.browser(), ts.newAuthRequest().ID, "ada@example.com", codes[3]), http.StatusBadRequest, "invalid_grant")
	// The new passkey signs in.
	if res := ts.login(ts.browser(), newDevice, ts.newAuthRequest().ID, "", 1); res.status != http.StatusOK {
		t.Fatalf("sign-in with the new passkey: %d %s", res.status, res.body)
	}
}

// A wrong code, a used code, an unknown email and a person without codes
// all get the same 400 invalid_grant, after the same SQL statements; none
// of them spends a code or writes anything.
func TestRecoveryRefusalsLookTheSame(t *testing.T) {
	t.Parallel()
	counter := &testenv.StatementCounter{}
	ts := newTestServer(t, func(c *postgres.Config) { c.Tracer = counter })
	ada, _, codes := ts.personWithCodes("ada@example.com")
	ts.enrollToken(ts.recover(ts.browser(), ts.newAuthRequest().ID, "ada@example.com", codes[0])) // now used
	ts.invite("bob@example.com", "Bob")                                                           // never enrolled: no codes
	events, links := ts.countRows("security_events"), ts.countRows("enrollments")

	ar := ts.newAuthRequest()
	try := func(email, code string) (response, int64) {
		before := counter.Count()
		res := ts.recover(ts.browser(), ar.ID, email, code)
		return res, counter.Count() - before
	}
	cases := []struct{ name, email, code string }{
		{"a wrong code", "ada@example.com", "AAAAA-AAAAA"},
		{"a used code", "ada@example.com", codes[0]},
		{"an unknown email", "nobody@example.com", codes[1]},
		{"a person without codes", "bob@example.com", codes[1]},
		{"a code of someone else", "bob@example.com", codes[2]},
	}
	first, firstQueries := try(cases[0].email, cases[0].code)
	if firstQueries < 3 {
		t.Fatalf("a refusal cost %d statements; the tracer is not counting", firstQueries)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, queries := try(tc.email, tc.code)
			wantError(t, res, http.StatusBadRequest, "invalid_grant")
			if string(res.body) != string(first.body) {
				t.Errorf("body %s, want %s", res.body, first.body)
			}
			if queries != firstQueries {
				t.Errorf("%d statements, a wrong code costs %d", queries, firstQueries)
			}
		})
	}
	if got := ts.unusedCodes(ada.ID); got != 9 {
		t.Errorf("%d unused codes, want 9", got)
	}
	if ts.countRows("security_events") != events || ts.countRows("enrollments") != links {
		t.Error("a refused recovery wrote something")
	}
	if got := ts.authRequest(ar.ID); got.Done || got.Error != "" {
		t.Errorf("a refused recovery changed the request: %+v", got)
	}
}

// Five tries per email and twenty per client IP in fifteen minutes, with
// the same 429 for a known and an unknown email; the limit is charged
// before the code is looked at, and lifts as time passes.
func TestRecoveryIsRateLimited(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ada, _, codes := ts.personWithCodes("ada@example.com")
	ar := ts.newAuthRequest()

	var limited []response
	for _, email := range []string{"ada@example.com", "nobody@example.com"} {
		for range limitPerEmail {
			wantError(t, ts.recover(ts.browser(), ar.ID, email, "WRONG-CODE"), http.StatusBadRequest, "invalid_grant")
		}
		res := ts.recover(ts.browser(), ar.ID, email, codes[0]) // even the right code
		wantError(t, res, http.StatusTooManyRequests, "too_many_attempts")
		if ra := res.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Errorf("%s: Retry-After %q", email, ra)
		}
		limited = append(limited, res)
	}
	if string(limited[0].body) != string(limited[1].body) || limited[0].header.Get("Retry-After") != limited[1].header.Get("Retry-After") {
		t.Errorf("known email limited with %s, unknown with %s", limited[0].body, limited[1].body)
	}
	if got := ts.unusedCodes(ada.ID); got != 10 {
		t.Fatalf("a limited try spent a code: %d unused", got)
	}

	// One try comes back every 3 minutes.
	ts.clock.Advance(limitWindow / limitPerEmail)
	ts.enrollToken(ts.recover(ts.browser(), ar.ID, "ada@example.com", codes[0]))

	// Twenty tries from one IP, whatever the emails: the 21st is refused.
	ts.clock.Advance(limitWindow)
	for i := range limitPerIP {
		res := ts.recover(ts.browser(), ar.ID, fmt.Sprintf("spray%d@example.com", i), "WRONG-CODE")
		wantError(t, res, http.StatusBadRequest, "invalid_grant")
	}
	wantError(t, ts.recover(ts.browser(), ar.ID, "fresh@example.com", "WRONG-CODE"), http.StatusTooManyRequests, "too_many_attempts")
}

// A code is never spent on a sign-in that cannot continue: a finished or
// expired request answers 410 sign_in_expired and leaves the codes as they
// were. A request that ends while the person creates the new passkey keeps
// the passkey, without continuing anywhere.
func TestRecoveryForASignInThatCannotContinue(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ada, d, codes := ts.personWithCodes("ada@example.com")

	finished := ts.newAuthRequest()
	if res := ts.login(ts.browser(), d, finished.ID, "", 1); res.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", res.status, res.body)
	}
	wantError(t, ts.recover(ts.browser(), finished.ID, "ada@example.com", codes[0]), http.StatusGone, "sign_in_expired")
	failed := ts.newAuthRequest()
	if err := ts.store.FailAuthRequest(ts.ctx(), failed.ID, "access_denied", "no"); err != nil {
		t.Fatal(err)
	}
	wantError(t, ts.recover(ts.browser(), failed.ID, "ada@example.com", codes[0]), http.StatusGone, "sign_in_expired")
	expiring := ts.newAuthRequest(func(a *storage.AuthRequest) { a.ExpiresAt = a.CreatedAt.Add(10 * time.Minute) })
	ts.clock.Advance(11 * time.Minute)
	wantError(t, ts.recover(ts.browser(), expiring.ID, "ada@example.com", codes[0]), http.StatusGone, "sign_in_expired")
	wantError(t, ts.recover(ts.browser(), "no-such-request", "ada@example.com", codes[0]), http.StatusGone, "sign_in_expired")
	if got := ts.unusedCodes(ada.ID); got != 10 {
		t.Fatalf("%d unused codes, want 10: a code was spent on a dead sign-in", got)
	}
	if page := ts.get(ts.browser(), "/login/recovery?authRequestID="+finished.ID); page.status != http.StatusBadRequest {
		t.Errorf("recovery page of a finished request: %d", page.status)
	}

	// The request ends after the code was accepted.
	short := ts.newAuthRequest(func(a *storage.AuthRequest) { a.ExpiresAt = a.CreatedAt.Add(5 * time.Minute) })
	c := ts.browser()
	token := ts.enrollToken(ts.recover(c, short.ID, "ada@example.com", codes[0]))
	begin := ts.post(c, "/enroll/"+token+"/begin", map[string]any{})
	if begin.status != http.StatusOK {
		t.Fatalf("begin: %d %s", begin.status, begin.body)
	}
	ts.clock.Advance(4*time.Minute + 30*time.Second)
	if err := ts.store.FailAuthRequest(ts.ctx(), short.ID, "access_denied", "cancelled in another tab"); err != nil {
		t.Fatal(err)
	}
	newDevice := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	res := ts.post(c, "/enroll/"+token+"/finish", map[string]any{"credential": newDevice.attest(t, begin.body)})
	if res.status != http.StatusOK {
		t.Fatalf("finish: %d %s", res.status, res.body)
	}
	if to, has := res.json(t)["redirect_to"]; has {
		t.Errorf("redirect_to %v for a request that ended", to)
	}
	ts.passkey(newDevice)
	if ts.cookie(c, sessionCookie) != "" {
		t.Error("a session was set for a sign-in that could not continue")
	}
	if !slices.Contains(kinds(ts.events(ada.ID)), eventPasskeyAdded) {
		t.Errorf("events %v lack %s", kinds(ts.events(ada.ID)), eventPasskeyAdded)
	}
}

// A client that asks for consent gets it asked after a recovery too: the
// new passkey's session goes to the consent page, and the request stays
// open until the person allows.
func TestRecoveryGoesThroughConsent(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, _, codes := ts.personWithCodes("ada@example.com")
	app := ts.createClientWith("Acme Mail", func(c *storage.Client) { c.RequireConsent = true })
	ar := ts.newAuthRequest(func(a *storage.AuthRequest) { a.ClientID = app.ID })
	c := ts.browser()
	token := ts.enrollToken(ts.recover(c, ar.ID, "ada@example.com", codes[0]))
	got := ts.enrolled(c, ts.newDevice(virtualwebauthn.AuthenticatorOptions{}), token)
	if got.RedirectTo != ts.consentURL(ar.ID) {
		t.Fatalf("redirect_to = %q, want the consent page", got.RedirectTo)
	}
	if ts.authRequest(ar.ID).Done {
		t.Fatal("the request completed without consent")
	}
	if res := ts.decide(c, "allow", ar.ID); res.status != http.StatusOK {
		t.Fatalf("allow: %d %s", res.status, res.body)
	}
	if !ts.authRequest(ar.ID).Done {
		t.Fatal("the request did not complete after consent")
	}
}

func TestRecoveryRefusesBadInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ar := ts.newAuthRequest()
	c := ts.browser()
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"no body", ``, http.StatusBadRequest, "invalid_request"},
		{"not JSON", `{"auth_request_id":`, http.StatusBadRequest, "invalid_request"},
		{"no request id", `{"email":"a@example.com","recovery_code":"x"}`, http.StatusBadRequest, "invalid_request"},
		{"a request id with a NUL", `{"auth_request_id":"a\u0000b","email":"a@example.com","recovery_code":"x"}`, http.StatusBadRequest, "invalid_request"},
		{"no email", `{"auth_request_id":"` + ar.ID + `","recovery_code":"x"}`, http.StatusBadRequest, "invalid_request"},
		{"a display-name email", `{"auth_request_id":"` + ar.ID + `","email":"Ada <a@example.com>","recovery_code":"x"}`, http.StatusBadRequest, "invalid_request"},
		{"no code", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com"}`, http.StatusBadRequest, "invalid_request"},
		{"a blank code", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com","recovery_code":"   "}`, http.StatusBadRequest, "invalid_request"},
		{"a huge code", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com","recovery_code":"` + strings.Repeat("A", 65) + `"}`, http.StatusBadRequest, "invalid_request"},
		{"a code of odd characters", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com","recovery_code":"\u202e\u0000ÄÖ"}`, http.StatusBadRequest, "invalid_grant"},
		{"a number for the code", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com","recovery_code":12345}`, http.StatusBadRequest, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.do(c, http.MethodPost, "/login/recovery", "application/json", []byte(tc.body))
			wantError(t, res, tc.status, tc.code)
			for _, leak := range []string{"sql", "goroutine", ".go:", "postgres"} {
				if strings.Contains(string(res.body), leak) {
					t.Errorf("body leaks %q: %s", leak, res.body)
				}
			}
		})
	}
	if res := ts.do(c, http.MethodPost, "/login/recovery", "text/plain", []byte(`{}`)); res.status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", res.status)
	}
	req, _ := http.NewRequest(http.MethodPost, ts.base+"/login/recovery", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site POST: %d, want 403", res.StatusCode)
	}
	if page := ts.get(c, "/login/recovery?authRequestID=nope%00"); page.status != http.StatusBadRequest {
		t.Errorf("recovery page with a bad id: %d", page.status)
	}
}

// Two browsers racing with one code: exactly one gets a link.
func TestARecoveryCodeRacedTwiceWorksOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ada, _, codes := ts.personWithCodes("ada@example.com")
	ar := ts.newAuthRequest()
	results := make(chan int, 4)
	for range 4 {
		go func() {
			b, _ := json.Marshal(map[string]string{"auth_request_id": ar.ID, "email": "ada@example.com", "recovery_code": codes[5]})
			req, _ := http.NewRequest(http.MethodPost, ts.base+"/login/recovery", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			res, err := ts.browser().Do(req)
			if err != nil {
				results <- 0
				return
			}
			res.Body.Close()
			results <- res.StatusCode
		}()
	}
	won := 0
	for range 4 {
		switch status := <-results; status {
		case http.StatusOK:
			won++
		case http.StatusBadRequest:
		default:
			t.Errorf("a racing try answered %d", status)
		}
	}
	if won != 1 || ts.unusedCodes(ada.ID) != 9 || ts.countRows("enrollments") != 1 {
		t.Fatalf("%d tries won, %d codes left, %d links", won, ts.unusedCodes(ada.ID), ts.countRows("enrollments"))
	}
}
