package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/storage"
)

var upkeepTests = []test{
	{"DeleteExpired removes expired rows, keeping codes an hour and rotated tokens until expiry", func(t *testing.T, e *env) {
		const short, long = time.Minute, 24 * time.Hour
		t0 := e.clk.Now()
		c, u := e.client(t), e.user(t)
		p := e.passkey(t, u.ID)

		// One row of every expiring kind that expires at t0+short, and one
		// that lives until t0+long.
		var cers [2]storage.Ceremony
		var enrs [2]storage.Enrollment
		var reqs [2]storage.AuthRequest
		var sess [2]storage.Session
		for i, d := range []time.Duration{short, long} {
			cers[i] = e.newCeremony(u.ID, "")
			cers[i].ExpiresAt = t0.Add(d)
			must(t, e.s.CreateCeremony(e.ctx, cers[i]))
			enrs[i] = e.newEnrollment(u.ID)
			enrs[i].ExpiresAt = t0.Add(d)
			must(t, e.s.CreateEnrollment(e.ctx, enrs[i]))
			reqs[i] = e.newAuthRequest(c.ID)
			reqs[i].ExpiresAt = t0.Add(d)
			must(t, e.s.CreateAuthRequest(e.ctx, reqs[i]))
			in := e.newSignIn(p, "")
			in.Session.ExpiresAt = t0.Add(d)
			must(t, e.s.RecordSignIn(e.ctx, in))
			sess[i] = in.Session
		}

		// Two codes, both expiring at t0+short: one used, one not. Their
		// requests expire at t0+short too.
		var codes [2]storage.AuthCode
		for i := range codes {
			a := e.newAuthRequest(c.ID)
			a.ExpiresAt = t0.Add(short)
			must(t, e.s.CreateAuthRequest(e.ctx, a))
			_, err := e.s.CompleteAuthRequest(e.ctx, a.ID, e.completion(u.ID))
			must(t, err)
			codes[i] = e.newCode(a.ID)
			codes[i].ExpiresAt = t0.Add(short)
			must(t, e.s.SaveAuthCode(e.ctx, codes[i]))
		}
		fam := codes[0].AuthRequestID
		atShort := e.newAccessToken(fam, c.ID, u.ID)
		atShort.ExpiresAt = t0.Add(short)
		rtRotated := e.newRefreshToken(fam, c.ID, u.ID)
		rtRotated.ExpiresAt = t0.Add(long)
		must(t, e.s.RedeemCode(e.ctx, codes[0].Hash, atShort, &rtRotated))
		atLong := e.newAccessToken(fam, c.ID, u.ID)
		atLong.ExpiresAt = t0.Add(long)
		rtShort := e.newRefreshToken(fam, c.ID, u.ID)
		rtShort.ExpiresAt = t0.Add(short)
		must(t, e.s.RotateRefreshToken(e.ctx, rtRotated.Hash, atLong, rtShort))

		// An active key, and a retired one published until t0+short.
		retiring := e.newSigningKey("RS256")
		must(t, e.s.AddSigningKey(e.ctx, retiring))
		active := e.newSigningKey("RS256")
		must(t, e.s.RotateSigningKey(e.ctx, retiring.ID, t0.Add(short), active))

		n, err := e.s.DeleteExpired(e.ctx)
		must(t, err)
		if n != 0 {
			t.Fatalf("DeleteExpired removed %d rows before anything expired, want 0", n)
		}

		e.clk.Advance(30 * time.Minute)
		n, err = e.s.DeleteExpired(e.ctx)
		must(t, err)
		// ceremony, enrollment, 3 auth requests (1 pending + the 2 with
		// codes), access token, refresh token, session, retired key.
		if n != 9 {
			t.Fatalf("DeleteExpired removed %d rows, want 9", n)
		}
		// The used code outlives its request and its expiry.
		got, _, err := e.s.AuthCode(e.ctx, codes[0].Hash)
		must(t, err)
		if got.UsedAt.IsZero() {
			t.Fatal("the used code lost its UsedAt")
		}
		_, err = e.s.RefreshToken(e.ctx, rtRotated.Hash)
		must(t, err)
		keys, err := e.s.SigningKeys(e.ctx)
		must(t, err)
		equal(t, keys, []storage.SigningKey{active})

		e.clk.Advance(31*time.Minute + time.Second) // an hour and a second past the codes' expiry
		n, err = e.s.DeleteExpired(e.ctx)
		must(t, err)
		if n != 2 {
			t.Fatalf("DeleteExpired removed %d rows an hour past the codes' expiry, want the 2 codes", n)
		}
		_, _, err = e.s.AuthCode(e.ctx, codes[0].Hash)
		wantErr(t, err, storage.ErrNotFound)
		n, err = e.s.DeleteExpired(e.ctx)
		must(t, err)
		if n != 0 {
			t.Fatalf("a second DeleteExpired removed %d rows, want 0", n)
		}

		// Everything that lives until t0+long is still there.
		_, err = e.s.ConsumeCeremony(e.ctx, cers[1].Hash)
		must(t, err)
		_, err = e.s.Enrollment(e.ctx, enrs[1].TokenHash)
		must(t, err)
		_, err = e.s.AuthRequest(e.ctx, reqs[1].ID)
		must(t, err)
		_, err = e.s.SessionByToken(e.ctx, sess[1].TokenHash)
		must(t, err)
		_, err = e.s.AccessToken(e.ctx, atLong.ID)
		must(t, err)
		_, err = e.s.RefreshToken(e.ctx, rtRotated.Hash)
		must(t, err)
		_, err = e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		must(t, err)
		_, err = e.s.User(e.ctx, u.ID)
		must(t, err)
		_, err = e.s.Client(e.ctx, c.ID)
		must(t, err)
	}},
	{"Ping answers", func(t *testing.T, e *env) {
		must(t, e.s.Ping(e.ctx))
	}},
	{"Close releases the store, after which Ping fails", func(t *testing.T, e *env) {
		must(t, e.s.Close())
		if err := e.s.Ping(e.ctx); err == nil {
			t.Fatal("Ping succeeded after Close")
		}
	}},
}
