package login

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/internal/mail"
	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/internal/testsmtp"
	"github.com/latchkey-id/latchkey/storage"
	"github.com/latchkey-id/latchkey/storage/postgres"
)

// signupServer is a test server with open sign-up whose mail goes through
// a real SMTP server (STARTTLS, AUTH) started for the test.
func signupServer(t *testing.T, domains []string, edits ...func(*postgres.Config)) (*testServer, *testsmtp.Server) {
	t.Helper()
	smtpd := testsmtp.Start(t, testsmtp.Options{TLS: testsmtp.StartTLS, Username: "latchkey", Password: "s3cret"})
	ts := newTestServerFor(t, func(h *Handler) {
		m, err := mail.NewSMTP(smtpd.URL)
		if err != nil {
			t.Fatal(err)
		}
		m.TLSConfig = smtpd.TLSConfig()
		h.Signup = SignupPolicy{Open: true, Domains: domains}
		h.Mailer = m
	}, edits...)
	return ts, smtpd
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// codeIn returns the six-digit code of a sign-up mail.
func codeIn(t *testing.T, m testsmtp.Message) string {
	t.Helper()
	code := sixDigits.FindString(m.Text)
	if code == "" {
		t.Fatalf("no code in mail %q", m.Text)
	}
	return code
}

func (ts *testServer) signupStart(c *http.Client, authRequestID, email string) response {
	ts.t.Helper()
	return ts.post(c, "/signup/start", map[string]string{"auth_request_id": authRequestID, "email": email})
}

func (ts *testServer) signupVerify(c *http.Client, authRequestID, email, code string) response {
	ts.t.Helper()
	return ts.post(c, "/signup/verify", map[string]string{"auth_request_id": authRequestID, "email": email, "code": code})
}

func wantSent(t *testing.T, res response) {
	t.Helper()
	if res.status != http.StatusOK || strings.TrimSpace(string(res.body)) != `{"sent":true}` {
		t.Fatalf("start: %d %s, want 200 {\"sent\":true}", res.status, res.body)
	}
}

// A new person signs up from the sign-in page: email, the code from the
// mail, a passkey, recovery codes, and the sign-in continues to the app.
func TestSignUpWithACodeFromTheMail(t *testing.T) {
	t.Parallel()
	ts, smtpd := signupServer(t, nil)
	c := ts.browser()
	ar := ts.newAuthRequest()

	page := ts.get(c, "/login?authRequestID="+ar.ID)
	if !strings.Contains(string(page.body), `href="./signup?authRequestID=`+ar.ID+`"`) || !strings.Contains(string(page.body), "Create an account") {
		t.Fatalf("the sign-in page offers no sign-up:\n%s", page.body)
	}
	if sp := ts.get(c, "/signup?authRequestID="+ar.ID); sp.status != http.StatusOK || !strings.Contains(string(sp.body), "Create an account") {
		t.Fatalf("sign-up page: %d %s", sp.status, sp.body)
	}

	wantSent(t, ts.signupStart(c, ar.ID, "Grace@Example.com"))
	msg := smtpd.Wait(t, "grace@example.com", 1)
	if !msg.TLS || !strings.HasPrefix(msg.Subject, "Your sign-up code") {
		t.Errorf("mail: TLS %v subject %q", msg.TLS, msg.Subject)
	}
	code := codeIn(t, msg)
	if n := ts.countRows("users"); n != 0 {
		t.Fatalf("%d users before the code was confirmed", n)
	}

	ts.clock.Advance(2 * time.Minute)
	token := ts.enrollToken(ts.signupVerify(c, ar.ID, "grace@example.com", code[:3]+" "+code[3:]))
	grace, err := ts.store.UserByEmail(ts.ctx(), "grace@example.com")
	if err != nil || !grace.EmailVerified || len(grace.WebAuthnID) != 32 {
		t.Fatalf("user after verify = %+v %v", grace, err)
	}
	if ts.authRequest(ar.ID).Done {
		t.Fatal("the request completed before a passkey exists")
	}

	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	got := ts.enrolled(c, d, token)
	if len(got.RecoveryCodes) != 10 || got.RedirectTo != ts.handler.CallbackURL(ar.ID) {
		t.Fatalf("enroll finish = %+v", got)
	}
	done := ts.authRequest(ar.ID)
	if !done.Done || done.UserID != grace.ID || done.SessionID != ts.browserSession(c).ID {
		t.Fatalf("request after sign-up = %+v", done)
	}
	want := []string{eventPasskeyAdded, eventRecoveryCodesCreated, eventSignIn, eventSignedUp}
	if got := kinds(ts.events(grace.ID)); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	// The code was used up; the link too.
	if n := ts.countRows("email_codes"); n != 0 {
		t.Errorf("%d email codes left after sign-up", n)
	}
	wantError(t, ts.post(ts.browser(), "/enroll/"+token+"/begin", map[string]any{}), http.StatusGone, "link_expired")
}

// prompt=create on /authorize opens sign-up at once; "Sign in" on the
// sign-up page leads back to the sign-in page.
func TestPromptCreateOpensSignUp(t *testing.T) {
	t.Parallel()
	ts, _ := signupServer(t, nil)
	ar := ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"create"} })
	c := ts.browser()
	res := ts.get(c, "/login?authRequestID="+ar.ID)
	if res.status != http.StatusFound || res.header.Get("Location") != ts.base+"/signup?authRequestID="+ar.ID {
		t.Fatalf("prompt=create: %d to %q", res.status, res.header.Get("Location"))
	}
	sp := ts.get(c, "/signup?authRequestID="+ar.ID)
	if !strings.Contains(string(sp.body), `href="./login?authRequestID=`+ar.ID+`&amp;signin=1"`) {
		t.Fatalf("sign-up page lacks the way back to sign-in:\n%s", sp.body)
	}
	if back := ts.get(c, "/login?authRequestID="+ar.ID+"&signin=1"); back.status != http.StatusOK || !strings.Contains(string(back.body), "Sign in with a passkey") {
		t.Fatalf("sign in instead: %d", back.status)
	}
}

// An address that has an account gets the same answer, after the same
// statements, and a mail that says so without a code; no code signs it up
// again, and no second account is made.
func TestSignUpForAnExistingEmailRevealsNothing(t *testing.T) {
	t.Parallel()
	counter := &testenv.StatementCounter{}
	ts, smtpd := signupServer(t, nil, func(c *postgres.Config) { c.Tracer = counter })
	ts.personWithCodes("ada@example.com")
	users := ts.countRows("users")
	ar := ts.newAuthRequest()
	start := func(email string) (response, int64) {
		before := counter.Count()
		res := ts.signupStart(ts.browser(), ar.ID, email)
		return res, counter.Count() - before
	}

	fresh, freshQueries := start("grace@example.com")
	existing, existingQueries := start("ADA@example.com")
	wantSent(t, fresh)
	wantSent(t, existing)
	if freshQueries != existingQueries || freshQueries < 2 {
		t.Errorf("a new email cost %d statements, an existing one %d", freshQueries, existingQueries)
	}
	mailed := smtpd.Wait(t, "ada@example.com", 1)
	if !strings.Contains(mailed.Subject, "already have an account") || sixDigits.MatchString(mailed.Text) {
		t.Fatalf("mail to an existing address: %q %q", mailed.Subject, mailed.Text)
	}
	if !strings.Contains(mailed.Text, "Lost your passkey?") {
		t.Errorf("the mail does not say how to recover: %q", mailed.Text)
	}
	// Not the code sent to another address, not any code.
	other := codeIn(t, smtpd.Wait(t, "grace@example.com", 1))
	for _, code := range []string{other, "000000", "123456"} {
		wantError(t, ts.signupVerify(ts.browser(), ar.ID, "ada@example.com", code), http.StatusBadRequest, "invalid_code")
	}
	if n := ts.countRows("users"); n != users {
		t.Fatalf("%d users, want %d", n, users)
	}
}

// Five wrong codes use a code up: the right one fails after them. A new
// code works again.
func TestFiveWrongCodesUseTheCodeUp(t *testing.T) {
	t.Parallel()
	ts, smtpd := signupServer(t, nil)
	ar := ts.newAuthRequest()
	c := ts.browser()
	wantSent(t, ts.signupStart(c, ar.ID, "grace@example.com"))
	code := codeIn(t, smtpd.Wait(t, "grace@example.com", 1))
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for range maxCodeAttempts {
		wantError(t, ts.signupVerify(c, ar.ID, "grace@example.com", wrong), http.StatusBadRequest, "invalid_code")
	}
	wantError(t, ts.signupVerify(c, ar.ID, "grace@example.com", code), http.StatusBadRequest, "invalid_code")
	if n := ts.countRows("users"); n != 0 {
		t.Fatalf("%d users", n)
	}

	wantSent(t, ts.signupStart(c, ar.ID, "grace@example.com"))
	ts.enrollToken(ts.signupVerify(c, ar.ID, "grace@example.com", codeIn(t, smtpd.Wait(t, "grace@example.com", 2))))
}

// A code lasts ten minutes, and belongs to the sign-in it was sent for.
func TestASignUpCodeExpiresAndBelongsToItsSignIn(t *testing.T) {
	t.Parallel()
	ts, smtpd := signupServer(t, nil)
	ar := ts.newAuthRequest()
	c := ts.browser()
	wantSent(t, ts.signupStart(c, ar.ID, "grace@example.com"))
	code := codeIn(t, smtpd.Wait(t, "grace@example.com", 1))
	ts.clock.Advance(11 * time.Minute)
	wantError(t, ts.signupVerify(c, ar.ID, "grace@example.com", code), http.StatusBadRequest, "invalid_code")

	wantSent(t, ts.signupStart(c, ar.ID, "grace@example.com"))
	code = codeIn(t, smtpd.Wait(t, "grace@example.com", 2))
	other := ts.newAuthRequest()
	wantError(t, ts.signupVerify(c, other.ID, "grace@example.com", code), http.StatusBadRequest, "invalid_code")
	if n := ts.countRows("users"); n != 0 {
		t.Fatalf("%d users", n)
	}
}

// With Signup.Domains set, other addresses are refused with
// domain_not_allowed and get no mail.
func TestSignUpLimitedToDomains(t *testing.T) {
	t.Parallel()
	ts, smtpd := signupServer(t, []string{"example.com", "example.org"})
	ar := ts.newAuthRequest()
	for _, email := range []string{"eve@evil.example", "eve@eu.example.com", "eve@example.com.evil.example"} {
		res := ts.signupStart(ts.browser(), ar.ID, email)
		wantError(t, res, http.StatusBadRequest, "domain_not_allowed")
		if !strings.Contains(res.json(t)["error_description"].(string), "example.com, example.org") {
			t.Errorf("description %s does not name the domains", res.body)
		}
	}
	wantSent(t, ts.signupStart(ts.browser(), ar.ID, "grace@EXAMPLE.org"))
	if n := len(smtpd.Messages()); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
	if sp := ts.get(ts.browser(), "/signup?authRequestID="+ar.ID); !strings.Contains(string(sp.body), "Use an address at example.com, example.org.") {
		t.Errorf("the page does not name the domains:\n%s", sp.body)
	}
}

// With the mail server down the person is told so (503), and nothing is
// written: no code, no user.
func TestSignUpWithTheMailServerDown(t *testing.T) {
	t.Parallel()
	ts, smtpd := signupServer(t, nil)
	ar := ts.newAuthRequest()
	smtpd.Stop()
	res := ts.signupStart(ts.browser(), ar.ID, "grace@example.com")
	wantError(t, res, http.StatusServiceUnavailable, "email_unavailable")
	if desc, _ := res.json(t)["error_description"].(string); !strings.Contains(desc, "could not send the email") {
		t.Errorf("description %q", desc)
	}
	if ts.countRows("email_codes") != 0 || ts.countRows("users") != 0 {
		t.Fatal("a failed mail left a code or a user behind")
	}
	if strings.Contains(string(res.body), "s3cret") || strings.Contains(ts.logs.String(), "s3cret") {
		t.Error("the SMTP password leaked into the answer or the log")
	}
}

// The sign-up endpoints, like the page, are limited per email and per IP.
func TestSignUpIsRateLimited(t *testing.T) {
	t.Parallel()
	ts, smtpd := signupServer(t, nil)
	ar := ts.newAuthRequest()
	for range limitPerEmail {
		wantSent(t, ts.signupStart(ts.browser(), ar.ID, "grace@example.com"))
	}
	wantError(t, ts.signupStart(ts.browser(), ar.ID, "grace@example.com"), http.StatusTooManyRequests, "too_many_attempts")
	if n := len(smtpd.MessagesTo("grace@example.com")); n != limitPerEmail {
		t.Errorf("%d mails, want %d", n, limitPerEmail)
	}
	for range verifyPerEmail {
		wantError(t, ts.signupVerify(ts.browser(), ar.ID, "grace@example.com", "999999"), http.StatusBadRequest, "invalid_code")
	}
	wantError(t, ts.signupVerify(ts.browser(), ar.ID, "grace@example.com", "999999"), http.StatusTooManyRequests, "too_many_attempts")
}

// Closed sign-up (the default) answers 404 on every route, links nowhere,
// and ignores prompt=create.
func TestSignUpClosed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ar := ts.newAuthRequest(func(a *storage.AuthRequest) { a.Prompt = []string{"create"} })
	c := ts.browser()
	page := ts.get(c, "/login?authRequestID="+ar.ID)
	if page.status != http.StatusOK || strings.Contains(string(page.body), "signup") || strings.Contains(string(page.body), "Create an account") {
		t.Fatalf("closed sign-up, sign-in page: %d\n%s", page.status, page.body)
	}
	if sp := ts.get(c, "/signup?authRequestID="+ar.ID); sp.status != http.StatusNotFound {
		t.Errorf("GET /signup: %d", sp.status)
	}
	wantError(t, ts.signupStart(c, ar.ID, "grace@example.com"), http.StatusNotFound, "not_found")
	wantError(t, ts.signupVerify(c, ar.ID, "grace@example.com", "123456"), http.StatusNotFound, "not_found")
	if ts.countRows("email_codes") != 0 {
		t.Fatal("a closed sign-up stored a code")
	}
}

func TestSignUpRefusesBadInput(t *testing.T) {
	t.Parallel()
	ts, smtpd := signupServer(t, nil)
	ar := ts.newAuthRequest()
	c := ts.browser()
	for _, tc := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"start without email", "/signup/start", `{"auth_request_id":"` + ar.ID + `"}`, 400, "invalid_request"},
		{"start with a bad email", "/signup/start", `{"auth_request_id":"` + ar.ID + `","email":"a@b@c"}`, 400, "invalid_request"},
		{"start with a header injection", "/signup/start", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com\r\nBcc: e@x.com"}`, 400, "invalid_request"},
		{"start without request", "/signup/start", `{"email":"a@example.com"}`, 400, "invalid_request"},
		{"start for an unknown request", "/signup/start", `{"auth_request_id":"nope","email":"a@example.com"}`, 410, "sign_in_expired"},
		{"start with trailing data", "/signup/start", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com"} {}`, 400, "invalid_request"},
		{"verify with letters", "/signup/verify", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com","code":"12a456"}`, 400, "invalid_code"},
		{"verify with seven digits", "/signup/verify", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com","code":"1234567"}`, 400, "invalid_code"},
		{"verify with full-width digits", "/signup/verify", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com","code":"１２３４５６"}`, 400, "invalid_code"},
		{"verify without code", "/signup/verify", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com"}`, 400, "invalid_code"},
		{"verify with a number", "/signup/verify", `{"auth_request_id":"` + ar.ID + `","email":"a@example.com","code":123456}`, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, ts.do(c, http.MethodPost, tc.path, "application/json", []byte(tc.body)), tc.status, tc.code)
		})
	}
	if n := len(smtpd.Messages()); n != 0 {
		t.Errorf("bad input sent %d mails", n)
	}
}

func TestCheckRefusesUnusableSelfServiceSettings(t *testing.T) {
	t.Parallel()
	h := &Handler{
		Signup:         SignupPolicy{Open: true, Domains: []string{"Example.com", "", "a b"}},
		RelatedOrigins: []string{"https://ok.example.com", "https://x.example.com/path", "http://insecure.example.com", "https://UPPER.example.com", "ftp://x"},
	}
	err := h.Check()
	for _, want := range []string{"Mailer", `"Example.com"`, `""`, `"a b"`, `"https://x.example.com/path"`, `"http://insecure.example.com"`, `"https://UPPER.example.com"`, `"ftp://x"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check error %v does not mention %s", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), `"https://ok.example.com"`) {
		t.Errorf("Check refused a good origin: %v", err)
	}
}

// A sign-up abandoned before its passkey does not lock the address out:
// signing up again mails a real code, and verifying it continues the same
// account's enrollment — no second account. An address whose account has
// a passkey still gets only "you already have an account".
func TestAnAbandonedSignUpCanBeFinishedLater(t *testing.T) {
	t.Parallel()
	ts, smtpd := signupServer(t, nil)
	ar := ts.newAuthRequest()
	c := ts.browser()
	wantSent(t, ts.signupStart(c, ar.ID, "grace@example.com"))
	ts.enrollToken(ts.signupVerify(c, ar.ID, "grace@example.com", codeIn(t, smtpd.Wait(t, "grace@example.com", 1))))
	grace, err := ts.store.UserByEmail(ts.ctx(), "grace@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// Grace closes the tab before creating her passkey; later she tries again.
	ar2 := ts.newAuthRequest()
	c2 := ts.browser()
	wantSent(t, ts.signupStart(c2, ar2.ID, "grace@example.com"))
	again := smtpd.Wait(t, "grace@example.com", 2)
	if strings.Contains(again.Subject, "already have an account") {
		t.Fatalf("an account without a passkey was told it has one: %q", again.Subject)
	}
	token := ts.enrollToken(ts.signupVerify(c2, ar2.ID, "grace@example.com", codeIn(t, again)))
	if n := ts.countRows("users"); n != 1 {
		t.Fatalf("%d users after signing up twice, want 1", n)
	}
	got := ts.enrolled(c2, ts.newDevice(virtualwebauthn.AuthenticatorOptions{}), token)
	if got.RedirectTo != ts.handler.CallbackURL(ar2.ID) {
		t.Fatalf("enroll finish = %+v", got)
	}
	if done := ts.authRequest(ar2.ID); !done.Done || done.UserID != grace.ID {
		t.Fatalf("request after finishing the sign-up = %+v, want done for %s", done, grace.ID)
	}
	// Now she has a passkey: a third sign-up gets no code.
	wantSent(t, ts.signupStart(ts.browser(), ts.newAuthRequest().ID, "grace@example.com"))
	if third := smtpd.Wait(t, "grace@example.com", 3); !strings.Contains(third.Subject, "already have an account") {
		t.Fatalf("an account with a passkey was mailed %q", third.Subject)
	}
}
