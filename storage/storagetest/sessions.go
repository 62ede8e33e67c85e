package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// assertSignInNotWritten checks that a refused sign-in left the passkey as
// it was and created no session.
func (e *env) assertSignInNotWritten(t *testing.T, name string, p storage.Passkey, in storage.SignIn) {
	t.Helper()
	got, err := e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
	must(t, err)
	if got.SignCount != p.SignCount || !got.LastUsedAt.Equal(p.LastUsedAt) || got.CloneWarning != p.CloneWarning {
		t.Errorf("%s: the passkey's use was written: %+v", name, got)
	}
	if _, err := e.s.SessionByToken(e.ctx, in.Session.TokenHash); !errorsIs(err, storage.ErrNotFound) {
		t.Errorf("%s: the session was created (error %v)", name, err)
	}
}

var sessionTests = []test{
	{"RecordSignIn writes the passkey's use, the session and the completion", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		a := e.authRequest(t, e.client(t).ID)
		e.clk.Advance(time.Minute)
		in := e.newSignIn(p, a.ID)
		must(t, e.s.RecordSignIn(e.ctx, in))

		gotP, err := e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		must(t, err)
		equal(t, gotP, used(p, in.Use))
		gotS, err := e.s.SessionByToken(e.ctx, in.Session.TokenHash)
		must(t, err)
		equal(t, gotS, in.Session)
		gotA, err := e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, gotA, completed(a, storage.Completion{
			UserID: u.ID, AuthTime: in.Session.AuthTime, AMR: in.Session.AMR, SessionID: in.Session.ID,
		}))
	}},
	{"RecordSignIn without an auth request writes the passkey's use and the session", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		in := e.newSignIn(p, "")
		in.Session.AMR, in.Session.IP, in.Session.UserAgent = nil, "", ""
		must(t, e.s.RecordSignIn(e.ctx, in))
		gotP, err := e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		must(t, err)
		equal(t, gotP, used(p, in.Use))
		gotS, err := e.s.SessionByToken(e.ctx, in.Session.TokenHash)
		must(t, err)
		equal(t, gotS, in.Session)
	}},
	{"RecordSignIn writes nothing when the auth request cannot be completed", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		c := e.client(t)
		done := e.doneAuthRequest(t, c.ID, e.user(t).ID)
		failed := e.authRequest(t, c.ID)
		must(t, e.s.FailAuthRequest(e.ctx, failed.ID, "access_denied", ""))
		expired := e.newAuthRequest(c.ID)
		expired.ExpiresAt = expired.CreatedAt.Add(time.Second)
		must(t, e.s.CreateAuthRequest(e.ctx, expired))
		e.clk.Advance(2 * time.Second)
		cases := map[string]string{"done": done.ID, "failed": failed.ID, "expired": expired.ID, "unknown": secrets.ID()}
		for name, id := range cases {
			in := e.newSignIn(p, id)
			if err := e.s.RecordSignIn(e.ctx, in); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: error = %v, want ErrNotFound", name, err)
			}
			e.assertSignInNotWritten(t, name, p, in)
		}
		gotDone, err := e.s.AuthRequest(e.ctx, done.ID)
		must(t, err)
		equal(t, gotDone, done)
	}},
	{"RecordSignIn with an unknown passkey is ErrNotFound and writes nothing", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		a := e.authRequest(t, e.client(t).ID)
		in := e.newSignIn(p, a.ID)
		in.PasskeyID = secrets.ID()
		wantErr(t, e.s.RecordSignIn(e.ctx, in), storage.ErrNotFound)
		e.assertSignInNotWritten(t, "unknown passkey", p, in)
		got, err := e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, got, a)
	}},
	{"RecordSignIn with a taken session token is ErrAlreadyExists and writes nothing", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		first := e.newSignIn(p, "")
		must(t, e.s.RecordSignIn(e.ctx, first))
		p = used(p, first.Use)
		a := e.authRequest(t, e.client(t).ID)
		e.clk.Advance(time.Minute)
		in := e.newSignIn(p, a.ID)
		in.Session.TokenHash = first.Session.TokenHash
		wantErr(t, e.s.RecordSignIn(e.ctx, in), storage.ErrAlreadyExists)
		got, err := e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		must(t, err)
		equal(t, got, p)
		gotA, err := e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, gotA, a)
		gotS, err := e.s.SessionByToken(e.ctx, first.Session.TokenHash)
		must(t, err)
		equal(t, gotS, first.Session)
	}},
	{"of 20 concurrent RecordSignIn calls for one auth request exactly one writes", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		a := e.authRequest(t, e.client(t).ID)
		ins := make([]storage.SignIn, racers)
		for i := range ins {
			ins[i] = e.newSignIn(p, a.ID)
			ins[i].Use.SignCount = p.SignCount + uint32(i) + 1
		}
		w := e.race(t, racers, func(i int) error { return e.s.RecordSignIn(e.ctx, ins[i]) })
		for i, in := range ins {
			_, err := e.s.SessionByToken(e.ctx, in.Session.TokenHash)
			if i == w {
				must(t, err)
			} else if !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("the losing sign-in %d created its session (error %v)", i, err)
			}
		}
		gotP, err := e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		must(t, err)
		equal(t, gotP, used(p, ins[w].Use))
		gotA, err := e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		if gotA.SessionID != ins[w].Session.ID {
			t.Fatalf("the request was completed with session %q, want the winner's %q", gotA.SessionID, ins[w].Session.ID)
		}
	}},
	{"a session is found by its token until it expires", func(t *testing.T, e *env) {
		p := e.passkey(t, e.user(t).ID)
		s := e.session(t, p)
		e.session(t, p)
		e.clk.Advance(12*time.Hour - time.Second)
		got, err := e.s.SessionByToken(e.ctx, s.TokenHash)
		must(t, err)
		equal(t, got, s)
		e.clk.Advance(2 * time.Second)
		_, err = e.s.SessionByToken(e.ctx, s.TokenHash)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.SessionByToken(e.ctx, secrets.Bytes(32))
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"DeleteSession ends one session and ignores unknown ids", func(t *testing.T, e *env) {
		p := e.passkey(t, e.user(t).ID)
		s, other := e.session(t, p), e.session(t, p)
		must(t, e.s.DeleteSession(e.ctx, s.ID))
		_, err := e.s.SessionByToken(e.ctx, s.TokenHash)
		wantErr(t, err, storage.ErrNotFound)
		must(t, e.s.DeleteSession(e.ctx, s.ID))
		must(t, e.s.DeleteSession(e.ctx, secrets.ID()))
		_, err = e.s.SessionByToken(e.ctx, other.TokenHash)
		must(t, err)
	}},
}
