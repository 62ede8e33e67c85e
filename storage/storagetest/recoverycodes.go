package storagetest

import (
	"slices"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var recoveryCodeTests = []test{
	{"ReplaceRecoveryCodes stores the codes and the event, and RecoveryCodes returns them oldest first", func(t *testing.T, e *env) {
		u := e.user(t)
		e.wantRecoveryCodes(t, u.ID, nil)
		cs := e.newRecoveryCodes(u.ID, 4)
		cs[3].CreatedAt = cs[0].CreatedAt               // a tie, which the id breaks
		cs[2].UserID = ""                               // a code without a user gets the user's
		cs[1].UsedAt = cs[1].CreatedAt.Add(time.Minute) // stored as given
		stored := slices.Clone(cs)
		slices.Reverse(stored)
		ev := e.newEvent(u.ID, "recovery_codes_created", "")
		must(t, e.s.ReplaceRecoveryCodes(e.ctx, u.ID, stored, &ev))
		cs[2].UserID = u.ID
		first, tie := cs[0], cs[3]
		if tie.ID < first.ID {
			first, tie = tie, first
		}
		e.wantRecoveryCodes(t, u.ID, []storage.RecoveryCode{first, tie, cs[1], cs[2]})
		e.wantEvents(t, u.ID, ev)
	}},
	{"ReplaceRecoveryCodes deletes the user's earlier codes, used ones included, and no one else's", func(t *testing.T, e *env) {
		u, v := e.user(t), e.user(t)
		old := e.recoveryCodes(t, u.ID, 3)
		must(t, e.s.RedeemRecoveryCode(e.ctx, old[1].ID, e.recoveryLink(), e.newEvent(u.ID, "recovery_used", "")))
		others := e.recoveryCodes(t, v.ID, 2)
		e.clk.Advance(time.Hour)
		fresh := e.newRecoveryCodes(u.ID, 2)
		must(t, e.s.ReplaceRecoveryCodes(e.ctx, u.ID, fresh, nil))
		e.wantRecoveryCodes(t, u.ID, fresh)
		e.wantRecoveryCodes(t, v.ID, others)
		// Replacing with none leaves none.
		must(t, e.s.ReplaceRecoveryCodes(e.ctx, u.ID, nil, nil))
		e.wantRecoveryCodes(t, u.ID, nil)
	}},
	{"ReplaceRecoveryCodes for an unknown user is ErrNotFound and writes nothing", func(t *testing.T, e *env) {
		e.user(t)
		id := secrets.ID()
		cs := e.newRecoveryCodes(id, 2)
		wantErr(t, e.s.ReplaceRecoveryCodes(e.ctx, id, cs, nil), storage.ErrNotFound)
		wantErr(t, e.s.ReplaceRecoveryCodes(e.ctx, id, nil, nil), storage.ErrNotFound)
		e.wantRecoveryCodes(t, id, nil)
	}},
	{"of 20 concurrent ReplaceRecoveryCodes calls one whole set of codes remains", func(t *testing.T, e *env) {
		for range rounds {
			u := e.user(t)
			sets := make([][]storage.RecoveryCode, racers)
			for i := range sets {
				sets[i] = e.newRecoveryCodes(u.ID, 3)
			}
			for i, err := range e.concurrently(racers, func(i int) error {
				return e.s.ReplaceRecoveryCodes(e.ctx, u.ID, sets[i], nil)
			}) {
				if err != nil {
					t.Errorf("caller %d: %v", i, err)
				}
			}
			got, err := e.s.RecoveryCodes(e.ctx, u.ID)
			must(t, err)
			i := slices.IndexFunc(sets, func(set []storage.RecoveryCode) bool { return len(got) > 0 && set[0].ID == got[0].ID })
			if i < 0 {
				t.Fatalf("RecoveryCodes = %+v, want one of the sets", got)
			}
			equal(t, got, sets[i])
		}
	}},
	{"RedeemRecoveryCode marks the code used at the store's clock and stores the link and the event", func(t *testing.T, e *env) {
		u := e.user(t)
		cs := e.recoveryCodes(t, u.ID, 2)
		e.clk.Advance(time.Minute)
		link := e.recoveryLink()
		ev := e.newEvent(u.ID, "recovery_used", "")
		must(t, e.s.RedeemRecoveryCode(e.ctx, cs[1].ID, link, ev))
		want := slices.Clone(cs)
		want[1].UsedAt = e.clk.Now()
		e.wantRecoveryCodes(t, u.ID, want)
		got, err := e.s.Enrollment(e.ctx, link.TokenHash)
		must(t, err)
		link.UserID = u.ID // a link without a user gets the code's
		equal(t, got, link)
		e.wantEvents(t, u.ID, ev)
	}},
	{"RedeemRecoveryCode of a used or unknown code is ErrNotFound and writes nothing", func(t *testing.T, e *env) {
		u := e.user(t)
		cs := e.recoveryCodes(t, u.ID, 1)
		first := e.newEvent(u.ID, "recovery_used", "")
		must(t, e.s.RedeemRecoveryCode(e.ctx, cs[0].ID, e.recoveryLink(), first))
		usedAt := e.clk.Now()
		e.clk.Advance(time.Minute)
		for name, id := range map[string]string{"a used code": cs[0].ID, "an unknown code": secrets.ID()} {
			link := e.recoveryLink()
			if err := e.s.RedeemRecoveryCode(e.ctx, id, link, e.newEvent(u.ID, "recovery_used", "")); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: error = %v, want ErrNotFound", name, err)
			}
			if _, err := e.s.Enrollment(e.ctx, link.TokenHash); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: the link was stored (error %v)", name, err)
			}
		}
		want := cs[0]
		want.UsedAt = usedAt
		e.wantRecoveryCodes(t, u.ID, []storage.RecoveryCode{want})
		e.wantEvents(t, u.ID, first)
	}},
	{"a RedeemRecoveryCode that cannot store its link leaves the code unused", func(t *testing.T, e *env) {
		u := e.user(t)
		cs := e.recoveryCodes(t, u.ID, 1)
		taken := e.enrollment(t, u.ID)
		link := e.recoveryLink()
		link.TokenHash = taken.TokenHash
		wantErr(t, e.s.RedeemRecoveryCode(e.ctx, cs[0].ID, link, e.newEvent(u.ID, "recovery_used", "")), storage.ErrAlreadyExists)
		e.wantRecoveryCodes(t, u.ID, cs)
		e.wantEvents(t, u.ID)
		got, err := e.s.Enrollment(e.ctx, taken.TokenHash)
		must(t, err)
		equal(t, got, taken)
	}},
	{"of 20 concurrent RedeemRecoveryCode calls for one code exactly one succeeds", func(t *testing.T, e *env) {
		u := e.user(t)
		c := e.recoveryCodes(t, u.ID, 1)[0]
		links := make([]storage.Enrollment, racers)
		evs := make([]storage.SecurityEvent, racers)
		for i := range links {
			links[i], evs[i] = e.recoveryLink(), e.newEvent(u.ID, "recovery_used", "")
		}
		w := e.race(t, racers, func(i int) error { return e.s.RedeemRecoveryCode(e.ctx, c.ID, links[i], evs[i]) })
		for i, l := range links {
			_, err := e.s.Enrollment(e.ctx, l.TokenHash)
			if i == w {
				must(t, err)
			} else if !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("the losing redemption %d stored its link (error %v)", i, err)
			}
		}
		e.wantEvents(t, u.ID, evs[w])
	}},
}
