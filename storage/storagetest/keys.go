package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var signingKeyTests = []test{
	{"an added key is listed whole", func(t *testing.T, e *env) {
		keys, err := e.s.SigningKeys(e.ctx)
		must(t, err)
		if len(keys) != 0 {
			t.Fatalf("empty store: SigningKeys = %v, want none", keys)
		}
		k := e.newSigningKey("RS256")
		must(t, e.s.AddSigningKey(e.ctx, k))
		keys, err = e.s.SigningKeys(e.ctx)
		must(t, err)
		equal(t, keys, []storage.SigningKey{k})
	}},
	{"a second active key of an algorithm is ErrConflict; another algorithm is not", func(t *testing.T, e *env) {
		rs := e.newSigningKey("RS256")
		must(t, e.s.AddSigningKey(e.ctx, rs))
		e.clk.Advance(time.Second)
		wantErr(t, e.s.AddSigningKey(e.ctx, e.newSigningKey("RS256")), storage.ErrConflict)
		es := e.newSigningKey("ES256")
		must(t, e.s.AddSigningKey(e.ctx, es))
		keys, err := e.s.SigningKeys(e.ctx)
		must(t, err)
		equal(t, keys, []storage.SigningKey{es, rs})
	}},
	{"a taken key id is ErrAlreadyExists", func(t *testing.T, e *env) {
		k := e.newSigningKey("RS256")
		must(t, e.s.AddSigningKey(e.ctx, k))
		dup := e.newSigningKey("EdDSA")
		dup.ID = k.ID
		wantErr(t, e.s.AddSigningKey(e.ctx, dup), storage.ErrAlreadyExists)
	}},
	{"RotateSigningKey retires the old key until retireUntil and activates the next", func(t *testing.T, e *env) {
		old := e.newSigningKey("RS256")
		must(t, e.s.AddSigningKey(e.ctx, old))
		e.clk.Advance(24 * time.Hour)
		next := e.newSigningKey("RS256")
		until := e.clk.Now().Add(48 * time.Hour)
		must(t, e.s.RotateSigningKey(e.ctx, old.ID, until, next))
		retired := old
		retired.RetiredAt, retired.ExpiresAt = e.clk.Now(), until
		keys, err := e.s.SigningKeys(e.ctx)
		must(t, err)
		equal(t, keys, []storage.SigningKey{next, retired})
		// next is now the active RS256 key.
		wantErr(t, e.s.AddSigningKey(e.ctx, e.newSigningKey("RS256")), storage.ErrConflict)
	}},
	{"a rotation from a key that is no longer active is ErrConflict and stores nothing", func(t *testing.T, e *env) {
		old := e.newSigningKey("RS256")
		must(t, e.s.AddSigningKey(e.ctx, old))
		e.clk.Advance(time.Hour)
		first := e.newSigningKey("RS256")
		until := e.clk.Now().Add(time.Hour)
		must(t, e.s.RotateSigningKey(e.ctx, old.ID, until, first))
		e.clk.Advance(time.Second)
		late := e.newSigningKey("RS256")
		wantErr(t, e.s.RotateSigningKey(e.ctx, old.ID, e.clk.Now().Add(time.Hour), late), storage.ErrConflict)
		retired := old
		retired.RetiredAt, retired.ExpiresAt = e.clk.Now().Add(-time.Second), until
		keys, err := e.s.SigningKeys(e.ctx)
		must(t, err)
		equal(t, keys, []storage.SigningKey{first, retired})
	}},
	{"a rotation from an unknown key is ErrNotFound and stores nothing", func(t *testing.T, e *env) {
		k := e.newSigningKey("RS256")
		must(t, e.s.AddSigningKey(e.ctx, k))
		next := e.newSigningKey("ES256")
		wantErr(t, e.s.RotateSigningKey(e.ctx, secrets.ID(), e.clk.Now().Add(time.Hour), next), storage.ErrNotFound)
		keys, err := e.s.SigningKeys(e.ctx)
		must(t, err)
		equal(t, keys, []storage.SigningKey{k})
	}},
	{"SigningKeys drops keys past their ExpiresAt and lists newest first", func(t *testing.T, e *env) {
		k1 := e.newSigningKey("RS256")
		must(t, e.s.AddSigningKey(e.ctx, k1))
		e.clk.Advance(time.Hour)
		k2 := e.newSigningKey("RS256")
		must(t, e.s.RotateSigningKey(e.ctx, k1.ID, e.clk.Now().Add(2*time.Hour), k2))
		e.clk.Advance(time.Hour)
		k3 := e.newSigningKey("RS256")
		must(t, e.s.RotateSigningKey(e.ctx, k2.ID, e.clk.Now().Add(2*time.Hour), k3))
		keys, err := e.s.SigningKeys(e.ctx)
		must(t, err)
		ids := func(ks []storage.SigningKey) []string {
			var out []string
			for _, k := range ks {
				out = append(out, k.ID)
			}
			return out
		}
		equal(t, ids(keys), []string{k3.ID, k2.ID, k1.ID})
		e.clk.Advance(time.Hour + time.Second) // past k1's publication, within k2's
		keys, err = e.s.SigningKeys(e.ctx)
		must(t, err)
		equal(t, ids(keys), []string{k3.ID, k2.ID})
	}},
}
