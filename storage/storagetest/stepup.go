package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var stepUpTests = []test{
	{"RefreshSessionAuth records the step-up in the session and writes the passkey's use", func(t *testing.T, e *env) {
		u := e.user(t)
		p, q := e.passkey(t, u.ID), e.passkey(t, u.ID)
		s := e.session(t, p)
		other := e.session(t, p)
		e.clk.Advance(time.Hour)
		use := storage.PasskeyUse{SignCount: q.SignCount + 7, CloneWarning: true, BackupState: true, UserVerified: false, UsedAt: e.clk.Now()}
		authTime, amr := e.clk.Now().Add(-time.Second), []string{"hwk", "user", "mfa"}
		must(t, e.s.RefreshSessionAuth(e.ctx, s.ID, authTime, amr, q.ID, use))
		want := s
		want.AuthTime, want.AMR = authTime, amr
		got, err := e.s.SessionByToken(e.ctx, s.TokenHash)
		must(t, err)
		equal(t, got, want)
		gotQ, err := e.s.Passkey(e.ctx, u.ID, q.ID)
		must(t, err)
		equal(t, gotQ, used(q, use))
		got, err = e.s.SessionByToken(e.ctx, other.TokenHash)
		must(t, err)
		equal(t, got, other)
	}},
	{"RefreshSessionAuth refuses another user's or an unknown passkey and an unknown or expired session", func(t *testing.T, e *env) {
		u, v := e.user(t), e.user(t)
		p, q := e.passkey(t, u.ID), e.passkey(t, v.ID)
		s := e.session(t, p)
		short := e.newSignIn(p, "")
		short.Session.ExpiresAt = short.Session.CreatedAt.Add(time.Minute)
		must(t, e.s.RecordSignIn(e.ctx, short))
		p = used(p, short.Use)
		e.clk.Advance(2 * time.Minute)
		cases := map[string][2]string{
			"another user's passkey": {s.ID, q.ID},
			"an unknown passkey":     {s.ID, secrets.ID()},
			"an unknown session":     {secrets.ID(), p.ID},
			"an expired session":     {short.Session.ID, p.ID},
		}
		for name, c := range cases {
			use := storage.PasskeyUse{SignCount: 1, UserVerified: true, UsedAt: e.clk.Now()}
			if err := e.s.RefreshSessionAuth(e.ctx, c[0], e.clk.Now(), []string{"hwk"}, c[1], use); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: error = %v, want ErrNotFound", name, err)
			}
		}
		got, err := e.s.SessionByToken(e.ctx, s.TokenHash)
		must(t, err)
		equal(t, got, s)
		gotP, err := e.s.Passkey(e.ctx, u.ID, p.ID)
		must(t, err)
		equal(t, gotP, p)
		gotQ, err := e.s.Passkey(e.ctx, v.ID, q.ID)
		must(t, err)
		equal(t, gotQ, q)
	}},
}
