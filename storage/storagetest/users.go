package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var userTests = []test{
	{"a created user is found by id, email and WebAuthn id", func(t *testing.T, e *env) {
		u := e.user(t)
		e.user(t) // a second user, so that a lookup ignoring its argument fails
		got, err := e.s.User(e.ctx, u.ID)
		must(t, err)
		equal(t, got, u)
		got, err = e.s.UserByEmail(e.ctx, u.Email)
		must(t, err)
		equal(t, got, u)
		got, err = e.s.UserByWebAuthnID(e.ctx, u.WebAuthnID)
		must(t, err)
		equal(t, got, u)
	}},
	{"times come back in UTC with microsecond precision", func(t *testing.T, e *env) {
		u := e.newUser()
		u.CreatedAt = time.Date(2031, 12, 31, 23, 59, 59, 999999999, time.FixedZone("UTC-09:30", -(9*3600+30*60)))
		u.UpdatedAt = time.Time{}
		must(t, e.s.CreateUser(e.ctx, u, nil))
		got, err := e.s.User(e.ctx, u.ID)
		must(t, err)
		want := time.Date(2032, 1, 1, 9, 29, 59, 999999000, time.UTC)
		if got.CreatedAt != want || got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt = %v (location %q), want %v", got.CreatedAt, got.CreatedAt.Location(), want)
		}
		if !got.UpdatedAt.IsZero() {
			t.Errorf("UpdatedAt = %v, want the zero time back", got.UpdatedAt)
		}
	}},
	{"an invite is stored with its user", func(t *testing.T, e *env) {
		u := e.newUser()
		inv := e.newEnrollment(u.ID)
		must(t, e.s.CreateUser(e.ctx, u, &inv))
		got, err := e.s.Enrollment(e.ctx, inv.TokenHash)
		must(t, err)
		equal(t, got, inv)
	}},
	{"a taken email is ErrAlreadyExists and writes neither user nor invite", func(t *testing.T, e *env) {
		first := e.user(t)
		u := e.newUser()
		u.Email = first.Email
		inv := e.newEnrollment(u.ID)
		wantErr(t, e.s.CreateUser(e.ctx, u, &inv), storage.ErrAlreadyExists)
		_, err := e.s.User(e.ctx, u.ID)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.Enrollment(e.ctx, inv.TokenHash)
		wantErr(t, err, storage.ErrNotFound)
		got, err := e.s.UserByEmail(e.ctx, first.Email)
		must(t, err)
		equal(t, got, first)
	}},
	{"a taken WebAuthn id or user id is ErrAlreadyExists", func(t *testing.T, e *env) {
		first := e.user(t)
		u := e.newUser()
		u.WebAuthnID = first.WebAuthnID
		wantErr(t, e.s.CreateUser(e.ctx, u, nil), storage.ErrAlreadyExists)
		u = e.newUser()
		u.ID = first.ID
		wantErr(t, e.s.CreateUser(e.ctx, u, nil), storage.ErrAlreadyExists)
		n, err := e.s.CountUsers(e.ctx)
		must(t, err)
		if n != 1 {
			t.Fatalf("CountUsers = %d, want 1", n)
		}
	}},
	{"unknown users are ErrNotFound", func(t *testing.T, e *env) {
		e.user(t)
		_, err := e.s.User(e.ctx, secrets.ID())
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.UserByEmail(e.ctx, "nobody@example.com")
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.UserByWebAuthnID(e.ctx, secrets.Bytes(64))
		wantErr(t, err, storage.ErrNotFound)
		wantErr(t, e.s.DeleteUser(e.ctx, secrets.ID()), storage.ErrNotFound)
	}},
	{"ListUsers returns every user oldest first and CountUsers counts them", func(t *testing.T, e *env) {
		all, err := e.s.ListUsers(e.ctx)
		must(t, err)
		n, err := e.s.CountUsers(e.ctx)
		must(t, err)
		if len(all) != 0 || n != 0 {
			t.Fatalf("empty store: ListUsers = %v, CountUsers = %d; want none", all, n)
		}
		// Stored in an order that is neither creation order nor reversed.
		var us [3]storage.User
		for i, offset := range []time.Duration{2 * time.Hour, 0, time.Hour} {
			u := e.newUser()
			u.CreatedAt = u.CreatedAt.Add(offset)
			must(t, e.s.CreateUser(e.ctx, u, nil))
			us[[]int{2, 0, 1}[i]] = u
		}
		all, err = e.s.ListUsers(e.ctx)
		must(t, err)
		equal(t, all, us[:])
		n, err = e.s.CountUsers(e.ctx)
		must(t, err)
		if n != 3 {
			t.Fatalf("CountUsers = %d, want 3", n)
		}
	}},
	{"DeleteUser removes everything of the user and nothing of others", func(t *testing.T, e *env) {
		c := e.client(t)
		gone, kept := e.belongings(t, c.ID), e.belongings(t, c.ID)
		must(t, e.s.DeleteUser(e.ctx, gone.user.ID))
		gone.assertGone(t, e)
		kept.assertKept(t, e)
		if _, err := e.s.Client(e.ctx, c.ID); err != nil {
			t.Fatalf("the client went with the user: %v", err)
		}
	}},
}

// belongings is one user with one of everything that belongs to them.
type belongings struct {
	user       storage.User
	passkey    storage.Passkey
	session    storage.Session
	enrollment storage.Enrollment
	ceremony   storage.Ceremony
	pending    storage.AuthRequest // completed by the user, no code yet
	grant      grant
}

func (e *env) belongings(t *testing.T, clientID string) belongings {
	t.Helper()
	var b belongings
	b.user = e.user(t)
	b.passkey = e.passkey(t, b.user.ID)
	b.session = e.session(t, b.passkey)
	b.enrollment = e.enrollment(t, b.user.ID)
	b.pending = e.doneAuthRequest(t, clientID, b.user.ID)
	b.ceremony = e.newCeremony(b.user.ID, b.pending.ID)
	must(t, e.s.CreateCeremony(e.ctx, b.ceremony))
	b.grant = e.grant(t, clientID, b.user.ID)
	return b
}

func (b belongings) assertGone(t *testing.T, e *env) {
	t.Helper()
	_, err := e.s.User(e.ctx, b.user.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = e.s.PasskeyByCredentialID(e.ctx, b.passkey.CredentialID)
	wantErr(t, err, storage.ErrNotFound)
	ps, err := e.s.PasskeysByUser(e.ctx, b.user.ID)
	must(t, err)
	if len(ps) != 0 {
		t.Fatalf("PasskeysByUser = %v, want none", ps)
	}
	_, err = e.s.SessionByToken(e.ctx, b.session.TokenHash)
	wantErr(t, err, storage.ErrNotFound)
	_, err = e.s.Enrollment(e.ctx, b.enrollment.TokenHash)
	wantErr(t, err, storage.ErrNotFound)
	_, err = e.s.ConsumeCeremony(e.ctx, b.ceremony.Hash)
	wantErr(t, err, storage.ErrNotFound)
	_, err = e.s.AuthRequest(e.ctx, b.pending.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = e.s.AuthRequest(e.ctx, b.grant.req.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = e.s.AccessToken(e.ctx, b.grant.access.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = e.s.RefreshToken(e.ctx, b.grant.refresh.Hash)
	wantErr(t, err, storage.ErrNotFound)
}

func (b belongings) assertKept(t *testing.T, e *env) {
	t.Helper()
	u, err := e.s.User(e.ctx, b.user.ID)
	must(t, err)
	equal(t, u, b.user)
	ps, err := e.s.PasskeysByUser(e.ctx, b.user.ID)
	must(t, err)
	if len(ps) != 1 || ps[0].ID != b.passkey.ID {
		t.Fatalf("PasskeysByUser = %v, want the one passkey", ps)
	}
	_, err = e.s.SessionByToken(e.ctx, b.session.TokenHash)
	must(t, err)
	_, err = e.s.Enrollment(e.ctx, b.enrollment.TokenHash)
	must(t, err)
	_, err = e.s.ConsumeCeremony(e.ctx, b.ceremony.Hash)
	must(t, err)
	_, err = e.s.AuthRequest(e.ctx, b.pending.ID)
	must(t, err)
	_, err = e.s.AccessToken(e.ctx, b.grant.access.ID)
	must(t, err)
	_, err = e.s.RefreshToken(e.ctx, b.grant.refresh.Hash)
	must(t, err)
}
