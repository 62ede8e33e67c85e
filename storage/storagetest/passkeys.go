package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var passkeyTests = []test{
	{"a passkey is stored whole and found by credential id and by user", func(t *testing.T, e *env) {
		u := e.user(t)
		p := e.passkey(t, u.ID)
		e.passkey(t, e.user(t).ID) // another user's, which neither lookup may return
		got, err := e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		must(t, err)
		equal(t, got, p)
		if !got.LastUsedAt.IsZero() {
			t.Fatalf("LastUsedAt = %v before any sign-in, want the zero time", got.LastUsedAt)
		}
		all, err := e.s.PasskeysByUser(e.ctx, u.ID)
		must(t, err)
		equal(t, all, []storage.Passkey{p})
	}},
	{"a passkey with no transports, AAGUID or extensions keeps them empty", func(t *testing.T, e *env) {
		u := e.user(t)
		en := e.enrollment(t, u.ID)
		p := e.newPasskey(u.ID)
		p.Transports, p.AAGUID, p.Extensions, p.SignCount = nil, nil, nil, 0
		must(t, e.s.FinishEnrollment(e.ctx, en.TokenHash, nil, p))
		got, err := e.s.PasskeyByCredentialID(e.ctx, p.CredentialID)
		must(t, err)
		equal(t, got, p)
	}},
	{"PasskeysByUser lists oldest first, and none is not an error", func(t *testing.T, e *env) {
		u := e.user(t)
		for _, id := range []string{u.ID, secrets.ID()} {
			ps, err := e.s.PasskeysByUser(e.ctx, id)
			must(t, err)
			if len(ps) != 0 {
				t.Fatalf("PasskeysByUser = %v, want none", ps)
			}
		}
		var want []storage.Passkey
		for _, offset := range []time.Duration{time.Hour, 0, 2 * time.Hour} {
			en := e.enrollment(t, u.ID)
			p := e.newPasskey(u.ID)
			p.CreatedAt = p.CreatedAt.Add(offset)
			must(t, e.s.FinishEnrollment(e.ctx, en.TokenHash, nil, p))
			want = append(want, p)
		}
		want = []storage.Passkey{want[1], want[0], want[2]}
		got, err := e.s.PasskeysByUser(e.ctx, u.ID)
		must(t, err)
		equal(t, got, want)
	}},
	{"an unknown credential id is ErrNotFound", func(t *testing.T, e *env) {
		e.passkey(t, e.user(t).ID)
		_, err := e.s.PasskeyByCredentialID(e.ctx, secrets.Bytes(32))
		wantErr(t, err, storage.ErrNotFound)
	}},
}
