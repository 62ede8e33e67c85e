package login

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/mail"
	"github.com/latchkey-id/latchkey/internal/recoverycode"
)

// selfServiceSeeds are the variants every body target starts from: the
// valid body and ways of breaking it.
func selfServiceSeeds(f *testing.F, valid map[string]any) {
	b, _ := json.Marshal(valid)
	f.Add(b)
	s := string(b)
	for _, v := range []string{
		``, `{}`, `null`, `[]`, `"x"`, s[:len(s)/2], s + `{}`,
		strings.Replace(s, `@example.com`, `@example.com\r\nBcc: eve@example.com`, 1),
		strings.Replace(s, `ada@`, `Ada <ada@`, 1),
		strings.Replace(s, `"ar1"`, `"a\u0000r"`, 1),
		strings.Replace(s, `"ar1"`, `"`+strings.Repeat("a", 200)+`"`, 1),
		strings.Replace(s, `ada@example.com`, `ädä@exämple.com`, 1),
		strings.Replace(s, `ada@example.com`, `"a b"@example.com`, 1),
	} {
		f.Add([]byte(v))
	}
}

// FuzzRecoveryBody: whatever the body of POST /login/recovery, decoding
// ends in a 4xx or in a request whose code can be checked; a match is
// only ever the code typed (in any case, with any dashes and spaces).
func FuzzRecoveryBody(f *testing.F) {
	codes, records := recoverycode.New("u1", time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	selfServiceSeeds(f, map[string]any{"auth_request_id": "ar1", "email": "ada@example.com", "recovery_code": codes[0]})
	f.Fuzz(func(t *testing.T, body []byte) {
		w, r := fuzzRequest(body)
		req, email, err := decodeRecovery(w, r)
		if err != nil {
			mustBeClientError(t, err)
			return
		}
		if !validID(req.AuthRequestID) || email == "" || email != strings.ToLower(strings.TrimSpace(email)) {
			t.Fatalf("decoded %+v with email %q", req, email)
		}
		got, ok := recoverycode.Match(req.RecoveryCode, records)
		if ok {
			typed := recoverycode.Normalize(req.RecoveryCode)
			i := -1
			for j, r := range records {
				if r.ID == got.ID {
					i = j
				}
			}
			if i < 0 || typed != recoverycode.Normalize(codes[i]) {
				t.Fatalf("%q matched the code of record %d", req.RecoveryCode, i)
			}
		}
	})
}

// FuzzSignupStartBody: whatever the body of POST /signup/start, decoding
// ends in a 4xx or in an address both mails can be written to (so a valid
// address never turns into a 503 at the mailer), and the domain check
// never panics.
func FuzzSignupStartBody(f *testing.F) {
	h := &Handler{Issuer: "https://id.example.com", Secret: []byte("0123456789abcdef0123456789abcdef"),
		Signup: SignupPolicy{Open: true, Domains: []string{"example.com"}}}
	logMailer := &mail.Log{Logger: slog.New(slog.DiscardHandler)}
	selfServiceSeeds(f, map[string]any{"auth_request_id": "ar1", "email": "ada@example.com"})
	f.Fuzz(func(t *testing.T, body []byte) {
		w, r := fuzzRequest(body)
		_, email, err := decodeSignupStart(w, r)
		if err != nil {
			mustBeClientError(t, err)
			return
		}
		if err := h.signupDomainAllowed(email); err != nil {
			mustBeClientError(t, err)
		}
		for _, m := range []mail.Message{h.signupCodeMail(email, "123456"), h.accountExistsMail(email)} {
			if err := logMailer.Send(context.Background(), m); err != nil {
				t.Fatalf("a valid address %q cannot be mailed: %v", email, err)
			}
		}
	})
}

// FuzzSignupVerifyBody: whatever the body of POST /signup/verify, decoding
// ends in a 4xx or in six ASCII digits, whose stored form is a 32-byte MAC
// that depends on the email.
func FuzzSignupVerifyBody(f *testing.F) {
	h := &Handler{Secret: []byte("0123456789abcdef0123456789abcdef")}
	selfServiceSeeds(f, map[string]any{"auth_request_id": "ar1", "email": "ada@example.com", "code": "123 456"})
	f.Add([]byte(`{"auth_request_id":"ar1","email":"ada@example.com","code":"１２３４５６"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		w, r := fuzzRequest(body)
		_, email, code, err := decodeSignupVerify(w, r)
		if err != nil {
			mustBeClientError(t, err)
			return
		}
		if len(code) != signupCodeLen || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("decoded code %q", code)
		}
		mac := h.signupCodeHash(email, code)
		if len(mac) != 32 || string(mac) == string(h.signupCodeHash(email+"x", code)) {
			t.Fatalf("code MAC %x", mac)
		}
	})
}
