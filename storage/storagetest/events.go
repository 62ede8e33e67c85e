package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var eventTests = []test{
	{"SecurityEvents lists the user's events whole, newest first, the greater id first at one instant", func(t *testing.T, e *env) {
		u, v := e.user(t), e.user(t)
		var es []storage.SecurityEvent
		// Stored out of order, three of them at one instant.
		for _, offset := range []time.Duration{time.Minute, 0, 2 * time.Minute, time.Minute, time.Minute} {
			ev := e.newEvent(u.ID, "sign_in", secrets.ID())
			ev.CreatedAt = ev.CreatedAt.Add(offset)
			must(t, e.s.RecordEvent(e.ctx, ev))
			es = append(es, ev)
		}
		must(t, e.s.RecordEvent(e.ctx, e.newEvent(v.ID, "sign_in", "")))
		got, err := e.s.SecurityEvents(e.ctx, u.ID, 10)
		must(t, err)
		equal(t, got, newestFirst(es...))
	}},
	{"SecurityEvents returns at most limit, and none is not an error", func(t *testing.T, e *env) {
		u := e.user(t)
		for _, id := range []string{u.ID, secrets.ID()} {
			got, err := e.s.SecurityEvents(e.ctx, id, 10)
			must(t, err)
			if len(got) != 0 {
				t.Fatalf("SecurityEvents = %+v, want none", got)
			}
		}
		var es []storage.SecurityEvent
		for range 5 {
			e.clk.Advance(time.Second)
			ev := e.newEvent(u.ID, "sign_in", "")
			must(t, e.s.RecordEvent(e.ctx, ev))
			es = append(es, ev)
		}
		got, err := e.s.SecurityEvents(e.ctx, u.ID, 3)
		must(t, err)
		equal(t, got, []storage.SecurityEvent{es[4], es[3], es[2]})
		got, err = e.s.SecurityEvents(e.ctx, u.ID, 0)
		must(t, err)
		if len(got) != 0 {
			t.Fatalf("SecurityEvents with limit 0 = %+v, want none", got)
		}
	}},
	{"an event without a passkey, IP, user agent or detail keeps them empty", func(t *testing.T, e *env) {
		u := e.user(t)
		ev := storage.SecurityEvent{ID: secrets.ID(), UserID: u.ID, Kind: "signed_up", CreatedAt: e.clk.Now()}
		must(t, e.s.RecordEvent(e.ctx, ev))
		e.wantEvents(t, u.ID, ev)
	}},
	{"RecordEvent for an unknown user is ErrNotFound, and a taken id ErrAlreadyExists", func(t *testing.T, e *env) {
		u := e.user(t)
		wantErr(t, e.s.RecordEvent(e.ctx, e.newEvent(secrets.ID(), "sign_in", "")), storage.ErrNotFound)
		ev := e.newEvent(u.ID, "sign_in", "")
		must(t, e.s.RecordEvent(e.ctx, ev))
		dup := e.newEvent(u.ID, "passkey_added", "")
		dup.ID = ev.ID
		wantErr(t, e.s.RecordEvent(e.ctx, dup), storage.ErrAlreadyExists)
		e.wantEvents(t, u.ID, ev)
	}},
	{"an event keeps naming a passkey that was removed", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		e.passkey(t, u.ID)
		added := e.newEvent(u.ID, "passkey_added", p.ID)
		must(t, e.s.RecordEvent(e.ctx, added))
		e.clk.Advance(time.Minute)
		removed := e.newEvent(u.ID, "passkey_removed", p.ID)
		must(t, e.s.DeletePasskey(e.ctx, u.ID, p.ID, &removed))
		e.clk.Advance(time.Minute)
		late := e.newEvent(u.ID, "clone_detected", p.ID) // recorded after the passkey is gone
		must(t, e.s.RecordEvent(e.ctx, late))
		e.wantEvents(t, u.ID, added, removed, late)
	}},
	{"RecordSignIn stores its events with the sign-in, each without a user getting the session's", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		a := e.authRequest(t, e.client(t).ID)
		in := e.newSignIn(p, a.ID)
		in.Events = []storage.SecurityEvent{e.newEvent(u.ID, "sign_in", p.ID), e.newEvent("", "recovery_used", "")}
		must(t, e.s.RecordSignIn(e.ctx, in))
		want := in.Events[1]
		want.UserID = u.ID
		e.wantEvents(t, u.ID, in.Events[0], want)
	}},
	{"RecordSignIn writes no events when it writes nothing", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		first := e.newSignIn(p, "")
		must(t, e.s.RecordSignIn(e.ctx, first))

		unknown := e.newSignIn(p, secrets.ID())
		unknown.Events = []storage.SecurityEvent{e.newEvent(u.ID, "sign_in", p.ID)}
		wantErr(t, e.s.RecordSignIn(e.ctx, unknown), storage.ErrNotFound)
		taken := e.newSignIn(p, "")
		taken.Session.TokenHash = first.Session.TokenHash
		taken.Events = []storage.SecurityEvent{e.newEvent(u.ID, "sign_in", p.ID)}
		wantErr(t, e.s.RecordSignIn(e.ctx, taken), storage.ErrAlreadyExists)
		e.wantEvents(t, u.ID)
	}},
	{"DeleteUser removes the user's events and recovery codes and no one else's", func(t *testing.T, e *env) {
		gone, kept := e.user(t), e.user(t)
		for _, u := range []storage.User{gone, kept} {
			ev := e.newEvent(u.ID, "recovery_codes_created", "")
			cs := e.newRecoveryCodes(u.ID, 2)
			must(t, e.s.ReplaceRecoveryCodes(e.ctx, u.ID, cs, &ev))
			must(t, e.s.RedeemRecoveryCode(e.ctx, cs[0].ID, e.recoveryLink(), e.newEvent(u.ID, "recovery_used", "")))
		}
		before, err := e.s.SecurityEvents(e.ctx, kept.ID, 1000)
		must(t, err)
		codesBefore, err := e.s.RecoveryCodes(e.ctx, kept.ID)
		must(t, err)
		if len(before) != 2 || len(codesBefore) != 2 {
			t.Fatalf("set-up: %d events and %d codes, want 2 and 2", len(before), len(codesBefore))
		}

		must(t, e.s.DeleteUser(e.ctx, gone.ID))
		e.wantEvents(t, gone.ID)
		e.wantRecoveryCodes(t, gone.ID, nil)
		e.wantEvents(t, kept.ID, before...)
		e.wantRecoveryCodes(t, kept.ID, codesBefore)
	}},
	{"an event or code of another user than the operation's is ErrConflict and writes nothing", func(t *testing.T, e *env) {
		u, v := e.user(t), e.user(t)
		p, p2 := e.passkey(t, u.ID), e.passkey(t, u.ID)
		session := e.session(t, p2)
		codes := e.recoveryCodes(t, u.ID, 2)
		pBefore, err := e.s.Passkey(e.ctx, u.ID, p.ID)
		must(t, err)
		stranger := func(kind string) storage.SecurityEvent { return e.newEvent(v.ID, kind, p.ID) }

		newP := e.newPasskey(u.ID)
		ev := stranger("passkey_added")
		wantErr(t, e.s.AddPasskey(e.ctx, newP, &ev), storage.ErrConflict)
		ev = stranger("passkey_renamed")
		_, err = e.s.RenamePasskey(e.ctx, u.ID, p.ID, "Renamed", &ev)
		wantErr(t, err, storage.ErrConflict)
		ev = stranger("passkey_removed")
		wantErr(t, e.s.DeletePasskey(e.ctx, u.ID, p2.ID, &ev), storage.ErrConflict)
		wantErr(t, e.s.FlagPasskey(e.ctx, p.ID, stranger("clone_detected")), storage.ErrConflict)
		link := e.recoveryLink()
		wantErr(t, e.s.ResetPasskeys(e.ctx, u.ID, link, stranger("passkeys_reset")), storage.ErrConflict)
		otherLink := e.recoveryLink()
		otherLink.UserID = v.ID
		wantErr(t, e.s.ResetPasskeys(e.ctx, u.ID, otherLink, e.newEvent(u.ID, "passkeys_reset", "")), storage.ErrConflict)
		ev = stranger("recovery_codes_created")
		wantErr(t, e.s.ReplaceRecoveryCodes(e.ctx, u.ID, e.newRecoveryCodes(u.ID, 2), &ev), storage.ErrConflict)
		wantErr(t, e.s.ReplaceRecoveryCodes(e.ctx, u.ID, e.newRecoveryCodes(v.ID, 2), nil), storage.ErrConflict)
		wantErr(t, e.s.RedeemRecoveryCode(e.ctx, codes[0].ID, link, stranger("recovery_used")), storage.ErrConflict)
		wantErr(t, e.s.RedeemRecoveryCode(e.ctx, codes[0].ID, otherLink, e.newEvent("", "recovery_used", "")), storage.ErrConflict)
		in := e.newSignIn(p, "")
		in.Events = []storage.SecurityEvent{stranger("sign_in")}
		wantErr(t, e.s.RecordSignIn(e.ctx, in), storage.ErrConflict)

		_, err = e.s.PasskeyByCredentialID(e.ctx, newP.CredentialID)
		wantErr(t, err, storage.ErrNotFound)
		got, err := e.s.Passkey(e.ctx, u.ID, p.ID)
		must(t, err)
		equal(t, got, pBefore)
		e.assertPasskeys(t, u.ID, p, p2)
		_, err = e.s.SessionByToken(e.ctx, session.TokenHash)
		must(t, err)
		_, err = e.s.SessionByToken(e.ctx, in.Session.TokenHash)
		wantErr(t, err, storage.ErrNotFound)
		e.wantRecoveryCodes(t, u.ID, codes)
		for _, l := range []storage.Enrollment{link, otherLink} {
			_, err = e.s.Enrollment(e.ctx, l.TokenHash)
			wantErr(t, err, storage.ErrNotFound)
		}
		e.wantEvents(t, u.ID)
		e.wantEvents(t, v.ID)
	}},
}
