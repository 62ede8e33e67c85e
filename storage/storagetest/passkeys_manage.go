package storagetest

import (
	"slices"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// assertPasskeys checks that the user has exactly these passkeys, by id
// (in any order: passkeys made at one instant are listed by id).
func (e *env) assertPasskeys(t *testing.T, userID string, want ...storage.Passkey) {
	t.Helper()
	got, err := e.s.PasskeysByUser(e.ctx, userID)
	must(t, err)
	var gotIDs, wantIDs []string
	for _, p := range got {
		gotIDs = append(gotIDs, p.ID)
	}
	for _, p := range want {
		wantIDs = append(wantIDs, p.ID)
	}
	slices.Sort(gotIDs)
	slices.Sort(wantIDs)
	equal(t, gotIDs, wantIDs)
}

var passkeyManageTests = []test{
	{"Passkey returns the user's passkey whole; another user's or an unknown id is ErrNotFound", func(t *testing.T, e *env) {
		u, v := e.user(t), e.user(t)
		p, q := e.passkey(t, u.ID), e.passkey(t, v.ID)
		got, err := e.s.Passkey(e.ctx, u.ID, p.ID)
		must(t, err)
		equal(t, got, p)
		cases := map[string][2]string{
			"another user's passkey": {u.ID, q.ID},
			"an unknown passkey":     {u.ID, secrets.ID()},
			"an unknown user":        {secrets.ID(), p.ID},
		}
		for name, c := range cases {
			if _, err := e.s.Passkey(e.ctx, c[0], c[1]); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: error = %v, want ErrNotFound", name, err)
			}
		}
	}},
	{"AddPasskey stores another passkey whole, with its event", func(t *testing.T, e *env) {
		u := e.user(t)
		first := e.passkey(t, u.ID)
		e.clk.Advance(time.Minute)
		p := e.newPasskey(u.ID)
		p.LastUsedAt = e.clk.Now().Add(time.Second) // stored as given
		ev := e.newEvent(u.ID, "passkey_added", p.ID)
		must(t, e.s.AddPasskey(e.ctx, p, &ev))
		got, err := e.s.Passkey(e.ctx, u.ID, p.ID)
		must(t, err)
		equal(t, got, p)
		all, err := e.s.PasskeysByUser(e.ctx, u.ID)
		must(t, err)
		equal(t, all, []storage.Passkey{first, p})
		e.wantEvents(t, u.ID, ev)
	}},
	{"AddPasskey without an event writes none, and an event without a user gets the passkey's", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.newPasskey(u.ID)
		must(t, e.s.AddPasskey(e.ctx, p, nil))
		e.assertPasskeys(t, u.ID, p)
		e.wantEvents(t, u.ID)

		e.clk.Advance(time.Minute)
		q := e.newPasskey(u.ID)
		ev := e.newEvent("", "passkey_added", q.ID)
		must(t, e.s.AddPasskey(e.ctx, q, &ev))
		ev.UserID = u.ID
		e.wantEvents(t, u.ID, ev)
	}},
	{"AddPasskey with a taken credential id is ErrAlreadyExists and writes no event", func(t *testing.T, e *env) {
		u, v := e.user(t), e.user(t)
		taken := e.passkey(t, v.ID)
		p := e.newPasskey(u.ID)
		p.CredentialID = taken.CredentialID
		ev := e.newEvent(u.ID, "passkey_added", p.ID)
		wantErr(t, e.s.AddPasskey(e.ctx, p, &ev), storage.ErrAlreadyExists)
		_, err := e.s.Passkey(e.ctx, u.ID, p.ID)
		wantErr(t, err, storage.ErrNotFound)
		e.wantEvents(t, u.ID)
		got, err := e.s.PasskeyByCredentialID(e.ctx, taken.CredentialID)
		must(t, err)
		equal(t, got, taken)
	}},
	{"AddPasskey for an unknown user is ErrNotFound and writes nothing", func(t *testing.T, e *env) {
		e.user(t)
		p := e.newPasskey(secrets.ID())
		ev := e.newEvent(p.UserID, "passkey_added", p.ID)
		wantErr(t, e.s.AddPasskey(e.ctx, p, &ev), storage.ErrNotFound)
		_, err := e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"RenamePasskey renames the user's passkey, returns it and records the event", func(t *testing.T, e *env) {
		u := e.user(t)
		p, other := e.passkey(t, u.ID), e.passkey(t, u.ID)
		ev := e.newEvent(u.ID, "passkey_renamed", p.ID)
		got, err := e.s.RenamePasskey(e.ctx, u.ID, p.ID, "YubiKey 5C NFC", &ev)
		must(t, err)
		want := p
		want.Name = "YubiKey 5C NFC"
		equal(t, got, want)
		got, err = e.s.Passkey(e.ctx, u.ID, p.ID)
		must(t, err)
		equal(t, got, want)
		got, err = e.s.Passkey(e.ctx, u.ID, other.ID)
		must(t, err)
		equal(t, got, other)
		e.wantEvents(t, u.ID, ev)

		// Without an event, none is written.
		_, err = e.s.RenamePasskey(e.ctx, u.ID, p.ID, "Key", nil)
		must(t, err)
		e.wantEvents(t, u.ID, ev)
	}},
	{"RenamePasskey of another user's or an unknown passkey is ErrNotFound and writes nothing", func(t *testing.T, e *env) {
		u, v := e.user(t), e.user(t)
		q := e.passkey(t, v.ID)
		e.passkey(t, u.ID)
		for name, id := range map[string]string{"another user's passkey": q.ID, "an unknown passkey": secrets.ID()} {
			ev := e.newEvent(u.ID, "passkey_renamed", id)
			if _, err := e.s.RenamePasskey(e.ctx, u.ID, id, "Mine now", &ev); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: error = %v, want ErrNotFound", name, err)
			}
		}
		got, err := e.s.Passkey(e.ctx, v.ID, q.ID)
		must(t, err)
		equal(t, got, q)
		e.wantEvents(t, u.ID)
		e.wantEvents(t, v.ID)
	}},
	{"DeletePasskey removes one of two passkeys and records the event", func(t *testing.T, e *env) {
		u := e.user(t)
		p, q := e.passkey(t, u.ID), e.passkey(t, u.ID)
		ev := e.newEvent(u.ID, "passkey_removed", p.ID)
		must(t, e.s.DeletePasskey(e.ctx, u.ID, p.ID, &ev))
		_, err := e.s.Passkey(e.ctx, u.ID, p.ID)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		wantErr(t, err, storage.ErrNotFound)
		e.assertPasskeys(t, u.ID, q)
		e.wantEvents(t, u.ID, ev)
	}},
	{"DeletePasskey of another user's or an unknown passkey is ErrNotFound and removes nothing", func(t *testing.T, e *env) {
		u, v := e.user(t), e.user(t)
		p1, p2 := e.passkey(t, u.ID), e.passkey(t, u.ID)
		q1, q2 := e.passkey(t, v.ID), e.passkey(t, v.ID)
		cases := map[string][2]string{
			"another user's passkey": {u.ID, q1.ID},
			"an unknown passkey":     {u.ID, secrets.ID()},
			"an unknown user":        {secrets.ID(), p1.ID},
		}
		for name, c := range cases {
			ev := e.newEvent(c[0], "passkey_removed", c[1])
			if err := e.s.DeletePasskey(e.ctx, c[0], c[1], &ev); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: error = %v, want ErrNotFound", name, err)
			}
		}
		e.assertPasskeys(t, u.ID, p1, p2)
		e.assertPasskeys(t, v.ID, q1, q2)
		e.wantEvents(t, u.ID)
		e.wantEvents(t, v.ID)
	}},
	{"DeletePasskey of the last passkey without recovery codes is ErrConflict and writes nothing", func(t *testing.T, e *env) {
		u, v := e.user(t), e.user(t)
		p := e.passkey(t, u.ID)
		e.recoveryCodes(t, v.ID, 2) // another user's unused codes do not count
		ev := e.newEvent(u.ID, "passkey_removed", p.ID)
		wantErr(t, e.s.DeletePasskey(e.ctx, u.ID, p.ID, &ev), storage.ErrConflict)
		got, err := e.s.Passkey(e.ctx, u.ID, p.ID)
		must(t, err)
		equal(t, got, p)
		e.wantEvents(t, u.ID)
	}},
	{"DeletePasskey of the last passkey is allowed while an unused recovery code remains", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		cs := e.recoveryCodes(t, u.ID, 2)
		must(t, e.s.RedeemRecoveryCode(e.ctx, cs[0].ID, e.recoveryLink(), e.newEvent(u.ID, "recovery_used", "")))
		ev := e.newEvent(u.ID, "passkey_removed", p.ID)
		must(t, e.s.DeletePasskey(e.ctx, u.ID, p.ID, &ev))
		e.assertPasskeys(t, u.ID)
	}},
	{"DeletePasskey of the last passkey with only used recovery codes is ErrConflict", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		for _, c := range e.recoveryCodes(t, u.ID, 2) {
			must(t, e.s.RedeemRecoveryCode(e.ctx, c.ID, e.recoveryLink(), e.newEvent(u.ID, "recovery_used", "")))
		}
		before, err := e.s.SecurityEvents(e.ctx, u.ID, 1000)
		must(t, err)
		ev := e.newEvent(u.ID, "passkey_removed", p.ID)
		wantErr(t, e.s.DeletePasskey(e.ctx, u.ID, p.ID, &ev), storage.ErrConflict)
		e.assertPasskeys(t, u.ID, p)
		e.wantEvents(t, u.ID, before...)
	}},
	{"of 20 concurrent deletes of a user's two passkeys without recovery codes exactly one succeeds", func(t *testing.T, e *env) {
		for range rounds {
			u := e.user(t)
			ps := []storage.Passkey{e.passkey(t, u.ID), e.passkey(t, u.ID)}
			evs := make([]storage.SecurityEvent, racers)
			for i := range evs {
				evs[i] = e.newEvent(u.ID, "passkey_removed", ps[i%2].ID)
			}
			winner, wins := -1, 0
			for i, err := range e.concurrently(racers, func(i int) error {
				return e.s.DeletePasskey(e.ctx, u.ID, ps[i%2].ID, &evs[i])
			}) {
				switch {
				case err == nil:
					winner = i
					wins++
				case !errorsIs(err, storage.ErrConflict) && !errorsIs(err, storage.ErrNotFound):
					t.Errorf("caller %d: error = %v, want nil, ErrConflict or ErrNotFound", i, err)
				}
			}
			if wins != 1 {
				t.Fatalf("%d of %d concurrent deletes succeeded, want exactly 1", wins, racers)
			}
			e.assertPasskeys(t, u.ID, ps[1-winner%2])
			e.wantEvents(t, u.ID, evs[winner])
		}
	}},
	{"FlagPasskey sets CloneWarning and records the event", func(t *testing.T, e *env) {
		u := e.user(t)
		p, other := e.passkey(t, u.ID), e.passkey(t, u.ID)
		ev := e.newEvent(u.ID, "clone_detected", p.ID)
		must(t, e.s.FlagPasskey(e.ctx, p.ID, ev))
		want := p
		want.CloneWarning = true
		got, err := e.s.Passkey(e.ctx, u.ID, p.ID)
		must(t, err)
		equal(t, got, want)
		got, err = e.s.Passkey(e.ctx, u.ID, other.ID)
		must(t, err)
		equal(t, got, other)
		e.wantEvents(t, u.ID, ev)

		// An event without a user gets the passkey's.
		e.clk.Advance(time.Minute)
		again := e.newEvent("", "clone_detected", p.ID)
		must(t, e.s.FlagPasskey(e.ctx, p.ID, again))
		again.UserID = u.ID
		e.wantEvents(t, u.ID, ev, again)
	}},
	{"FlagPasskey of an unknown passkey is ErrNotFound and writes no event", func(t *testing.T, e *env) {
		u := e.user(t)
		e.passkey(t, u.ID)
		wantErr(t, e.s.FlagPasskey(e.ctx, secrets.ID(), e.newEvent(u.ID, "clone_detected", "")), storage.ErrNotFound)
		e.wantEvents(t, u.ID)
	}},
	{"ResetPasskeys removes the user's passkeys, sessions, recovery codes, tokens and earlier links and stores the link and the event", func(t *testing.T, e *env) {
		type account struct {
			user     storage.User
			passkeys []storage.Passkey
			sessions []storage.Session
			codes    []storage.RecoveryCode
			grant    grant
			link     storage.Enrollment
		}
		c := e.client(t)
		setUp := func() account {
			a := account{user: e.user(t)}
			a.passkeys = []storage.Passkey{e.passkey(t, a.user.ID), e.passkey(t, a.user.ID)}
			a.sessions = []storage.Session{e.session(t, a.passkeys[0]), e.session(t, a.passkeys[1])}
			a.codes = e.recoveryCodes(t, a.user.ID, 3)
			a.grant = e.grant(t, c.ID, a.user.ID)
			a.link = e.enrollment(t, a.user.ID)
			return a
		}
		reset, kept := setUp(), setUp()
		e.clk.Advance(time.Minute)
		link := e.recoveryLink()
		link.Purpose = "reset"
		ev := e.newEvent(reset.user.ID, "passkeys_reset", "")
		must(t, e.s.ResetPasskeys(e.ctx, reset.user.ID, link, ev))

		got, err := e.s.User(e.ctx, reset.user.ID)
		must(t, err)
		equal(t, got, reset.user)
		e.assertPasskeys(t, reset.user.ID)
		for _, s := range reset.sessions {
			_, err := e.s.SessionByToken(e.ctx, s.TokenHash)
			wantErr(t, err, storage.ErrNotFound)
		}
		e.wantRecoveryCodes(t, reset.user.ID, nil)
		// Whatever the lost device held stops working.
		_, err = e.s.AccessToken(e.ctx, reset.grant.access.ID)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.RefreshToken(e.ctx, reset.grant.refresh.Hash)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.Enrollment(e.ctx, reset.link.TokenHash)
		wantErr(t, err, storage.ErrNotFound)
		gotLink, err := e.s.Enrollment(e.ctx, link.TokenHash)
		must(t, err)
		link.UserID = reset.user.ID // a link without a user gets the reset person's
		equal(t, gotLink, link)
		e.wantEvents(t, reset.user.ID, ev)

		e.assertPasskeys(t, kept.user.ID, kept.passkeys...)
		for _, s := range kept.sessions {
			_, err := e.s.SessionByToken(e.ctx, s.TokenHash)
			must(t, err)
		}
		e.wantRecoveryCodes(t, kept.user.ID, kept.codes)
		_, err = e.s.AccessToken(e.ctx, kept.grant.access.ID)
		must(t, err)
		_, err = e.s.RefreshToken(e.ctx, kept.grant.refresh.Hash)
		must(t, err)
		_, err = e.s.Enrollment(e.ctx, kept.link.TokenHash)
		must(t, err)
		e.wantEvents(t, kept.user.ID)
	}},
	{"ResetPasskeys for an unknown user is ErrNotFound and writes nothing", func(t *testing.T, e *env) {
		e.user(t)
		id := secrets.ID()
		link := e.recoveryLink()
		wantErr(t, e.s.ResetPasskeys(e.ctx, id, link, e.newEvent(id, "passkeys_reset", "")), storage.ErrNotFound)
		_, err := e.s.Enrollment(e.ctx, link.TokenHash)
		wantErr(t, err, storage.ErrNotFound)
	}},
}
