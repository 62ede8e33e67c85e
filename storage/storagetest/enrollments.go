package storagetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var enrollmentTests = []test{
	{"an enrollment is returned whole until it is used", func(t *testing.T, e *env) {
		u := e.user(t)
		en := e.newEnrollment(u.ID)
		en.Purpose = "recovery"
		en.AuthRequestID = e.authRequest(t, e.client(t).ID).ID
		must(t, e.s.CreateEnrollment(e.ctx, en))
		got, err := e.s.Enrollment(e.ctx, en.TokenHash)
		must(t, err)
		equal(t, got, en)
		p := e.newPasskey(u.ID)
		must(t, e.s.FinishEnrollment(e.ctx, en.TokenHash, nil, p))
		_, err = e.s.Enrollment(e.ctx, en.TokenHash)
		wantErr(t, err, storage.ErrNotFound)
		got2, err := e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		must(t, err)
		equal(t, got2, p)
	}},
	{"a used enrollment cannot be finished again", func(t *testing.T, e *env) {
		u := e.user(t)
		en := e.enrollment(t, u.ID)
		must(t, e.s.FinishEnrollment(e.ctx, en.TokenHash, nil, e.newPasskey(u.ID)))
		again := e.newPasskey(u.ID)
		wantErr(t, e.s.FinishEnrollment(e.ctx, en.TokenHash, nil, again), storage.ErrNotFound)
		_, err := e.s.PasskeyByCredentialID(e.ctx, again.CredentialID)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"an expired enrollment is not returned and cannot be finished", func(t *testing.T, e *env) {
		u := e.user(t)
		en := e.enrollment(t, u.ID)
		e.clk.Advance(24*time.Hour - time.Second)
		if _, err := e.s.Enrollment(e.ctx, en.TokenHash); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		e.clk.Advance(2 * time.Second)
		_, err := e.s.Enrollment(e.ctx, en.TokenHash)
		wantErr(t, err, storage.ErrNotFound)
		p := e.newPasskey(u.ID)
		wantErr(t, e.s.FinishEnrollment(e.ctx, en.TokenHash, nil, p), storage.ErrNotFound)
		_, err = e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"a taken token hash is ErrAlreadyExists", func(t *testing.T, e *env) {
		u := e.user(t)
		en := e.enrollment(t, u.ID)
		dup := e.newEnrollment(u.ID)
		dup.TokenHash, dup.Purpose = en.TokenHash, "recovery"
		wantErr(t, e.s.CreateEnrollment(e.ctx, dup), storage.ErrAlreadyExists)
		got, err := e.s.Enrollment(e.ctx, en.TokenHash)
		must(t, err)
		equal(t, got, en)
	}},
	{"an unknown token is ErrNotFound", func(t *testing.T, e *env) {
		u := e.user(t)
		e.enrollment(t, u.ID)
		_, err := e.s.Enrollment(e.ctx, secrets.Bytes(32))
		wantErr(t, err, storage.ErrNotFound)
		wantErr(t, e.s.FinishEnrollment(e.ctx, secrets.Bytes(32), nil, e.newPasskey(u.ID)), storage.ErrNotFound)
	}},
	{"a taken credential id is ErrAlreadyExists and leaves the enrollment usable", func(t *testing.T, e *env) {
		taken := e.passkey(t, e.user(t).ID)
		u := e.user(t)
		en := e.enrollment(t, u.ID)
		p := e.newPasskey(u.ID)
		p.CredentialID = taken.CredentialID
		wantErr(t, e.s.FinishEnrollment(e.ctx, en.TokenHash, nil, p), storage.ErrAlreadyExists)
		ps, err := e.s.PasskeysByUser(e.ctx, u.ID)
		must(t, err)
		if len(ps) != 0 {
			t.Fatalf("PasskeysByUser = %v, want none", ps)
		}
		if _, err := e.s.Enrollment(e.ctx, en.TokenHash); err != nil {
			t.Fatalf("the enrollment was consumed: %v", err)
		}
		must(t, e.s.FinishEnrollment(e.ctx, en.TokenHash, nil, e.newPasskey(u.ID)))
	}},
	{"the setup enrollment creates its user and removes the other setup links only", func(t *testing.T, e *env) {
		setup, other := e.enrollment(t, ""), e.enrollment(t, "")
		invited := e.user(t)
		invite := e.enrollment(t, invited.ID)
		admin := e.newUser()
		p := e.newPasskey(admin.ID)
		must(t, e.s.FinishEnrollment(e.ctx, setup.TokenHash, &admin, p))
		got, err := e.s.User(e.ctx, admin.ID)
		must(t, err)
		equal(t, got, admin)
		ps, err := e.s.PasskeysByUser(e.ctx, admin.ID)
		must(t, err)
		equal(t, ps, []storage.Passkey{p})
		for name, hash := range map[string][]byte{"the used setup link": setup.TokenHash, "the other setup link": other.TokenHash} {
			if _, err := e.s.Enrollment(e.ctx, hash); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: Enrollment error = %v, want ErrNotFound", name, err)
			}
		}
		if _, err := e.s.Enrollment(e.ctx, invite.TokenHash); err != nil {
			t.Fatalf("an invitation went with the setup links: %v", err)
		}
	}},
	{"the setup enrollment with a taken email is ErrAlreadyExists and consumes nothing", func(t *testing.T, e *env) {
		existing := e.user(t)
		setup, other := e.enrollment(t, ""), e.enrollment(t, "")
		admin := e.newUser()
		admin.Email = existing.Email
		p := e.newPasskey(admin.ID)
		wantErr(t, e.s.FinishEnrollment(e.ctx, setup.TokenHash, &admin, p), storage.ErrAlreadyExists)
		_, err := e.s.User(e.ctx, admin.ID)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		wantErr(t, err, storage.ErrNotFound)
		for _, hash := range [][]byte{setup.TokenHash, other.TokenHash} {
			if _, err := e.s.Enrollment(e.ctx, hash); err != nil {
				t.Fatalf("a setup link was consumed: %v", err)
			}
		}
	}},
	{"a user that does not match the enrollment is ErrConflict and consumes nothing", func(t *testing.T, e *env) {
		owner, stranger := e.user(t), e.user(t)
		newUser := e.newUser()
		cases := []struct {
			name    string
			setup   bool
			newUser *storage.User
			userID  string
		}{
			{"a setup link without a new user", true, nil, stranger.ID},
			{"a setup link with a passkey for another user", true, &newUser, stranger.ID},
			{"an invitation with a new user", false, &newUser, newUser.ID},
			{"an invitation with a passkey for another user", false, nil, stranger.ID},
		}
		for _, c := range cases {
			en := e.enrollment(t, owner.ID)
			if c.setup {
				en = e.enrollment(t, "")
			}
			p := e.newPasskey(c.userID)
			if err := e.s.FinishEnrollment(e.ctx, en.TokenHash, c.newUser, p); !errorsIs(err, storage.ErrConflict) {
				t.Errorf("%s: error = %v, want ErrConflict", c.name, err)
			}
			if _, err := e.s.Enrollment(e.ctx, en.TokenHash); err != nil {
				t.Errorf("%s: the enrollment was consumed: %v", c.name, err)
			}
			if _, err := e.s.PasskeyByCredentialID(e.ctx, p.CredentialID); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: the passkey was stored (error %v)", c.name, err)
			}
		}
		if _, err := e.s.User(e.ctx, newUser.ID); !errorsIs(err, storage.ErrNotFound) {
			t.Errorf("the new user was created (error %v)", err)
		}
	}},
	{"of 20 concurrent FinishEnrollment calls with one token exactly one succeeds", func(t *testing.T, e *env) {
		u := e.user(t)
		en := e.enrollment(t, u.ID)
		ps := make([]storage.Passkey, racers)
		for i := range ps {
			ps[i] = e.newPasskey(u.ID)
			ps[i].Name = fmt.Sprintf("racer %d", i)
		}
		w := e.race(t, racers, func(i int) error {
			return e.s.FinishEnrollment(e.ctx, en.TokenHash, nil, ps[i])
		})
		got, err := e.s.PasskeysByUser(e.ctx, u.ID)
		must(t, err)
		equal(t, got, []storage.Passkey{ps[w]})
	}},
	{"of 20 concurrent setup enrollments with one token exactly one creates its user", func(t *testing.T, e *env) {
		setup := e.enrollment(t, "")
		users := make([]storage.User, racers)
		w := e.race(t, racers, func(i int) error {
			users[i] = e.newUser()
			return e.s.FinishEnrollment(e.ctx, setup.TokenHash, &users[i], e.newPasskey(users[i].ID))
		})
		all, err := e.s.ListUsers(e.ctx)
		must(t, err)
		equal(t, all, []storage.User{users[w]})
	}},
}
