package storagetest

import (
	"sync"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// codeIn stores an unused code of a request for the client that a sign-in
// completed in the session (sessionID "" for a request completed without
// one).
func (e *env) codeIn(t *testing.T, sessionID, clientID, userID string) storage.AuthCode {
	t.Helper()
	a := e.authRequest(t, clientID)
	c := e.completion(userID)
	c.SessionID = sessionID
	_, err := e.s.CompleteAuthRequest(e.ctx, a.ID, c)
	must(t, err)
	code := e.newCode(a.ID)
	must(t, e.s.SaveAuthCode(e.ctx, code))
	return code
}

// redeem redeems the code for its request's client and user.
func (e *env) redeem(t *testing.T, code storage.AuthCode, clientID, userID string) {
	t.Helper()
	at, rt := e.newAccessToken(code.AuthRequestID, clientID, userID), e.newRefreshToken(code.AuthRequestID, clientID, userID)
	must(t, e.s.RedeemCode(e.ctx, code.Hash, at, &rt))
}

// redeemIn signs the session into the client: a code issued in the session,
// redeemed.
func (e *env) redeemIn(t *testing.T, s storage.Session, clientID string) {
	t.Helper()
	e.redeem(t, e.codeIn(t, s.ID, clientID, s.UserID), clientID, s.UserID)
}

// clientWithID stores a client whose id starts with prefix, so that a test
// can make id order differ from creation order.
func (e *env) clientWithID(t *testing.T, prefix string) storage.Client {
	t.Helper()
	c := e.newClient()
	c.ID = prefix + c.ID
	must(t, e.s.CreateClient(e.ctx, c))
	return c
}

// wantSessionClients checks SessionClients(sessionID) against want, in order.
func (e *env) wantSessionClients(t *testing.T, sessionID string, want ...string) {
	t.Helper()
	got, err := e.s.SessionClients(e.ctx, sessionID)
	must(t, err)
	equal(t, got, want)
}

var sessionClientTests = []test{
	{"RedeemCode records each client of a session once, oldest first", func(t *testing.T, e *env) {
		s := e.session(t, e.passkey(t, e.user(t).ID))
		e.wantSessionClients(t, s.ID)
		// The first client has the later id: the order is by time, not id.
		first, second := e.clientWithID(t, "z"), e.clientWithID(t, "a")
		e.redeemIn(t, s, first.ID)
		e.wantSessionClients(t, s.ID, first.ID)
		e.clk.Advance(time.Minute)
		e.redeemIn(t, s, second.ID)
		e.clk.Advance(time.Minute)
		e.redeemIn(t, s, first.ID)
		e.redeemIn(t, s, second.ID)
		e.wantSessionClients(t, s.ID, first.ID, second.ID)
	}},
	{"only codes redeemed in the session count", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		s, other := e.session(t, p), e.session(t, p)
		mine, theirs, unredeemed, sessionless := e.client(t), e.client(t), e.client(t), e.client(t)
		e.redeemIn(t, s, mine.ID)
		e.redeemIn(t, other, theirs.ID)
		e.codeIn(t, s.ID, unredeemed.ID, u.ID)
		e.redeem(t, e.codeIn(t, "", sessionless.ID, u.ID), sessionless.ID, u.ID)
		e.wantSessionClients(t, s.ID, mine.ID)
		e.wantSessionClients(t, other.ID, theirs.ID)
		e.wantSessionClients(t, secrets.ID())
	}},
	{"a redemption that fails records nothing", func(t *testing.T, e *env) {
		u := e.user(t)
		s := e.session(t, e.passkey(t, u.ID))
		c := e.client(t)
		taken := e.grant(t, c.ID, u.ID).refresh

		code := e.codeIn(t, s.ID, c.ID, u.ID)
		at, rt := e.newAccessToken(code.AuthRequestID, c.ID, u.ID), e.newRefreshToken(code.AuthRequestID, c.ID, u.ID)
		rt.Hash = taken.Hash
		wantErr(t, e.s.RedeemCode(e.ctx, code.Hash, at, &rt), storage.ErrAlreadyExists)
		e.wantSessionClients(t, s.ID)

		expired := e.codeIn(t, s.ID, c.ID, u.ID)
		e.clk.Advance(time.Minute + time.Second)
		at, rt = e.newAccessToken(expired.AuthRequestID, c.ID, u.ID), e.newRefreshToken(expired.AuthRequestID, c.ID, u.ID)
		wantErr(t, e.s.RedeemCode(e.ctx, expired.Hash, at, &rt), storage.ErrNotFound)
		e.wantSessionClients(t, s.ID)

		// The same session and client record once a redemption succeeds.
		e.redeemIn(t, s, c.ID)
		e.wantSessionClients(t, s.ID, c.ID)
	}},
	{"a code whose session has ended is redeemed and records nothing", func(t *testing.T, e *env) {
		u := e.user(t)
		s := e.session(t, e.passkey(t, u.ID))
		c := e.client(t)
		code := e.codeIn(t, s.ID, c.ID, u.ID)
		must(t, e.s.DeleteSession(e.ctx, s.ID))
		e.redeem(t, code, c.ID, u.ID)
		e.wantSessionClients(t, s.ID)
	}},
	{"a session's clients go with the session, its person and the client", func(t *testing.T, e *env) {
		wiki, mail := e.client(t), e.client(t)
		both := func() storage.Session {
			s := e.session(t, e.passkey(t, e.user(t).ID))
			e.redeemIn(t, s, wiki.ID)
			e.clk.Advance(time.Second)
			e.redeemIn(t, s, mail.ID)
			return s
		}
		ended, deletedUser, kept := both(), both(), both()

		must(t, e.s.DeleteSession(e.ctx, ended.ID))
		e.wantSessionClients(t, ended.ID)
		must(t, e.s.DeleteUser(e.ctx, deletedUser.UserID))
		e.wantSessionClients(t, deletedUser.ID)
		e.wantSessionClients(t, kept.ID, wiki.ID, mail.ID)
		must(t, e.s.DeleteClient(e.ctx, wiki.ID))
		e.wantSessionClients(t, kept.ID, mail.ID)
	}},
	{"DeleteExpired forgets the clients of an expired session only", func(t *testing.T, e *env) {
		p := e.passkey(t, e.user(t).ID)
		short := e.session(t, p) // 12 hours
		in := e.newSignIn(p, "")
		in.Session.ExpiresAt = in.Session.CreatedAt.Add(48 * time.Hour)
		must(t, e.s.RecordSignIn(e.ctx, in))
		long := in.Session
		c := e.client(t)
		e.redeemIn(t, short, c.ID)
		e.redeemIn(t, long, c.ID)

		e.clk.Advance(12*time.Hour + time.Second)
		_, err := e.s.DeleteExpired(e.ctx)
		must(t, err)
		e.wantSessionClients(t, short.ID)
		e.wantSessionClients(t, long.ID, c.ID)
	}},
	{"of 20 concurrent redemptions in one session for one client all succeed and record it once", func(t *testing.T, e *env) {
		u := e.user(t)
		s := e.session(t, e.passkey(t, u.ID))
		c := e.client(t)
		codes := make([]storage.AuthCode, racers)
		for i := range codes {
			codes[i] = e.codeIn(t, s.ID, c.ID, u.ID)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, racers)
		for i, code := range codes {
			at, rt := e.newAccessToken(code.AuthRequestID, c.ID, u.ID), e.newRefreshToken(code.AuthRequestID, c.ID, u.ID)
			wg.Go(func() {
				<-start
				errs[i] = e.s.RedeemCode(e.ctx, code.Hash, at, &rt)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("redemption %d: %v", i, err)
			}
		}
		e.wantSessionClients(t, s.ID, c.ID)
	}},
}
