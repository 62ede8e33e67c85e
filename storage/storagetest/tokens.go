package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// codeFor stores a completed request and its unused code.
func (e *env) codeFor(t *testing.T, clientID, userID string) storage.AuthCode {
	t.Helper()
	code := e.newCode(e.doneAuthRequest(t, clientID, userID).ID)
	must(t, e.s.SaveAuthCode(e.ctx, code))
	return code
}

// assertNoTokens checks that neither token exists.
func (e *env) assertNoTokens(t *testing.T, at storage.AccessToken, rt storage.RefreshToken) {
	t.Helper()
	if _, err := e.s.AccessToken(e.ctx, at.ID); !errorsIs(err, storage.ErrNotFound) {
		t.Errorf("access token %s: error = %v, want ErrNotFound", at.ID, err)
	}
	if _, err := e.s.RefreshToken(e.ctx, rt.Hash); !errorsIs(err, storage.ErrNotFound) {
		t.Errorf("refresh token %s: error = %v, want ErrNotFound", rt.ID, err)
	}
}

var tokenTests = []test{
	{"RedeemCode marks the code used and stores both tokens", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		code := e.codeFor(t, c.ID, u.ID)
		e.clk.Advance(3 * time.Second)
		at, rt := e.newAccessToken(code.AuthRequestID, c.ID, u.ID), e.newRefreshToken(code.AuthRequestID, c.ID, u.ID)
		must(t, e.s.RedeemCode(e.ctx, code.Hash, at, &rt))
		gotAT, err := e.s.AccessToken(e.ctx, at.ID)
		must(t, err)
		equal(t, gotAT, at)
		gotRT, err := e.s.RefreshToken(e.ctx, rt.Hash)
		must(t, err)
		equal(t, gotRT, rt)
		gotCode, _, err := e.s.AuthCode(e.ctx, code.Hash)
		must(t, err)
		code.UsedAt = e.clk.Now()
		equal(t, gotCode, code)
	}},
	{"RedeemCode without a refresh token stores the access token alone", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		code := e.codeFor(t, c.ID, u.ID)
		at := e.newAccessToken(code.AuthRequestID, c.ID, u.ID)
		at.RefreshTokenID, at.Audience = "", nil
		must(t, e.s.RedeemCode(e.ctx, code.Hash, at, nil))
		got, err := e.s.AccessToken(e.ctx, at.ID)
		must(t, err)
		equal(t, got, at)
	}},
	{"a used, expired or unknown code is ErrNotFound and writes nothing", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		refused := func(name string, hash []byte) {
			t.Helper()
			at, rt := e.newAccessToken(secrets.ID(), c.ID, u.ID), e.newRefreshToken(secrets.ID(), c.ID, u.ID)
			if err := e.s.RedeemCode(e.ctx, hash, at, &rt); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: error = %v, want ErrNotFound", name, err)
			}
			e.assertNoTokens(t, at, rt)
		}
		refused("a used code", e.grant(t, c.ID, u.ID).code.Hash)
		refused("an unknown code", secrets.Bytes(32))
		expired := e.codeFor(t, c.ID, u.ID)
		e.clk.Advance(time.Minute + time.Second)
		refused("an expired code", expired.Hash)
	}},
	{"a redemption whose tokens cannot be stored leaves the code unused", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		taken := e.grant(t, c.ID, u.ID).refresh
		code := e.codeFor(t, c.ID, u.ID)
		at, rt := e.newAccessToken(code.AuthRequestID, c.ID, u.ID), e.newRefreshToken(code.AuthRequestID, c.ID, u.ID)
		rt.Hash = taken.Hash
		wantErr(t, e.s.RedeemCode(e.ctx, code.Hash, at, &rt), storage.ErrAlreadyExists)
		if _, err := e.s.AccessToken(e.ctx, at.ID); !errorsIs(err, storage.ErrNotFound) {
			t.Errorf("the access token was stored (error %v)", err)
		}
		gotCode, _, err := e.s.AuthCode(e.ctx, code.Hash)
		must(t, err)
		if !gotCode.UsedAt.IsZero() {
			t.Fatalf("the code was used (UsedAt %v) by a redemption that failed", gotCode.UsedAt)
		}
		rt.Hash = secrets.Bytes(32)
		must(t, e.s.RedeemCode(e.ctx, code.Hash, at, &rt))
	}},
	{"of 20 concurrent RedeemCode calls exactly one succeeds and only its tokens exist", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		code := e.codeFor(t, c.ID, u.ID)
		ats, rts := make([]storage.AccessToken, racers), make([]storage.RefreshToken, racers)
		for i := range racers {
			ats[i], rts[i] = e.newAccessToken(code.AuthRequestID, c.ID, u.ID), e.newRefreshToken(code.AuthRequestID, c.ID, u.ID)
		}
		w := e.race(t, racers, func(i int) error { return e.s.RedeemCode(e.ctx, code.Hash, ats[i], &rts[i]) })
		for i := range racers {
			if i != w {
				e.assertNoTokens(t, ats[i], rts[i])
			}
		}
		got, err := e.s.AccessToken(e.ctx, ats[w].ID)
		must(t, err)
		equal(t, got, ats[w])
	}},
	{"RotateRefreshToken marks the old token rotated and stores its successors", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		g := e.grant(t, c.ID, u.ID)
		e.clk.Advance(time.Hour)
		at, rt := e.newAccessToken(g.req.ID, c.ID, u.ID), e.newRefreshToken(g.req.ID, c.ID, u.ID)
		must(t, e.s.RotateRefreshToken(e.ctx, g.refresh.Hash, at, rt))
		old, err := e.s.RefreshToken(e.ctx, g.refresh.Hash)
		must(t, err)
		want := g.refresh
		want.RotatedAt = e.clk.Now()
		equal(t, old, want)
		gotRT, err := e.s.RefreshToken(e.ctx, rt.Hash)
		must(t, err)
		equal(t, gotRT, rt)
		gotAT, err := e.s.AccessToken(e.ctx, at.ID)
		must(t, err)
		equal(t, gotAT, at)
	}},
	{"a rotated, expired or unknown refresh token cannot be rotated and writes nothing", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		refused := func(name string, hash []byte) {
			t.Helper()
			at, rt := e.newAccessToken(secrets.ID(), c.ID, u.ID), e.newRefreshToken(secrets.ID(), c.ID, u.ID)
			if err := e.s.RotateRefreshToken(e.ctx, hash, at, rt); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: error = %v, want ErrNotFound", name, err)
			}
			e.assertNoTokens(t, at, rt)
		}
		rotated := e.grant(t, c.ID, u.ID).refresh
		must(t, e.s.RotateRefreshToken(e.ctx, rotated.Hash,
			e.newAccessToken(rotated.FamilyID, c.ID, u.ID), e.newRefreshToken(rotated.FamilyID, c.ID, u.ID)))
		refused("a rotated token", rotated.Hash)
		refused("an unknown token", secrets.Bytes(32))
		expiring := e.grant(t, c.ID, u.ID).refresh
		e.clk.Advance(30*24*time.Hour + time.Second)
		refused("an expired token", expiring.Hash)
	}},
	{"of 20 concurrent RotateRefreshToken calls exactly one succeeds", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		g := e.grant(t, c.ID, u.ID)
		ats, rts := make([]storage.AccessToken, racers), make([]storage.RefreshToken, racers)
		for i := range racers {
			ats[i], rts[i] = e.newAccessToken(g.req.ID, c.ID, u.ID), e.newRefreshToken(g.req.ID, c.ID, u.ID)
		}
		w := e.race(t, racers, func(i int) error { return e.s.RotateRefreshToken(e.ctx, g.refresh.Hash, ats[i], rts[i]) })
		for i := range racers {
			if i != w {
				e.assertNoTokens(t, ats[i], rts[i])
			}
		}
		got, err := e.s.RefreshToken(e.ctx, rts[w].Hash)
		must(t, err)
		equal(t, got, rts[w])
	}},
	{"expired tokens are not returned, rotated refresh tokens are", func(t *testing.T, e *env) {
		g := e.grant(t, e.client(t).ID, e.user(t).ID)
		e.clk.Advance(time.Hour - time.Second)
		if _, err := e.s.AccessToken(e.ctx, g.access.ID); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		e.clk.Advance(2 * time.Second)
		_, err := e.s.AccessToken(e.ctx, g.access.ID)
		wantErr(t, err, storage.ErrNotFound)

		must(t, e.s.RotateRefreshToken(e.ctx, g.refresh.Hash,
			e.newAccessToken(g.req.ID, g.req.ClientID, g.req.UserID), e.newRefreshToken(g.req.ID, g.req.ClientID, g.req.UserID)))
		e.clk.Advance(30*24*time.Hour - time.Hour - 2*time.Second) // a second before the refresh token expires
		got, err := e.s.RefreshToken(e.ctx, g.refresh.Hash)
		must(t, err)
		if got.RotatedAt.IsZero() {
			t.Fatal("RotatedAt is zero after rotation")
		}
		e.clk.Advance(2 * time.Second)
		_, err = e.s.RefreshToken(e.ctx, g.refresh.Hash)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"unknown tokens are ErrNotFound", func(t *testing.T, e *env) {
		e.grant(t, e.client(t).ID, e.user(t).ID)
		_, err := e.s.AccessToken(e.ctx, secrets.ID())
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.RefreshToken(e.ctx, secrets.Bytes(32))
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"RevokeAccessToken removes one token and ignores unknown ones", func(t *testing.T, e *env) {
		g := e.grant(t, e.client(t).ID, e.user(t).ID)
		other := e.grant(t, g.req.ClientID, g.req.UserID)
		must(t, e.s.RevokeAccessToken(e.ctx, g.access.ID))
		_, err := e.s.AccessToken(e.ctx, g.access.ID)
		wantErr(t, err, storage.ErrNotFound)
		must(t, e.s.RevokeAccessToken(e.ctx, g.access.ID))
		must(t, e.s.RevokeAccessToken(e.ctx, secrets.ID()))
		_, err = e.s.AccessToken(e.ctx, other.access.ID)
		must(t, err)
		_, err = e.s.RefreshToken(e.ctx, g.refresh.Hash)
		must(t, err)
	}},
	{"RevokeFamily removes the family's access and refresh tokens only", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		g, other := e.grant(t, c.ID, u.ID), e.grant(t, c.ID, u.ID)
		at2, rt2 := e.newAccessToken(g.req.ID, c.ID, u.ID), e.newRefreshToken(g.req.ID, c.ID, u.ID)
		must(t, e.s.RotateRefreshToken(e.ctx, g.refresh.Hash, at2, rt2))
		must(t, e.s.RevokeFamily(e.ctx, g.req.ID))
		e.assertNoTokens(t, g.access, g.refresh)
		e.assertNoTokens(t, at2, rt2)
		_, err := e.s.AccessToken(e.ctx, other.access.ID)
		must(t, err)
		_, err = e.s.RefreshToken(e.ctx, other.refresh.Hash)
		must(t, err)
		// A second replay revokes a revoked grant: not an error.
		must(t, e.s.RevokeFamily(e.ctx, g.req.ID))
		must(t, e.s.RevokeFamily(e.ctx, secrets.ID()))
	}},
}
