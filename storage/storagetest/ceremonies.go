package storagetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var ceremonyTests = []test{
	{"a ceremony is returned whole by ConsumeCeremony, once", func(t *testing.T, e *env) {
		u := e.user(t)
		a := e.authRequest(t, e.client(t).ID)
		c := e.newCeremony(u.ID, a.ID)
		must(t, e.s.CreateCeremony(e.ctx, c))
		got, err := e.s.ConsumeCeremony(e.ctx, c.Hash)
		must(t, err)
		equal(t, got, c)
		_, err = e.s.ConsumeCeremony(e.ctx, c.Hash)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"a ceremony without a user or an auth request keeps both empty", func(t *testing.T, e *env) {
		c := e.newCeremony("", "")
		c.Kind = "enroll"
		must(t, e.s.CreateCeremony(e.ctx, c))
		got, err := e.s.ConsumeCeremony(e.ctx, c.Hash)
		must(t, err)
		equal(t, got, c)
	}},
	{"an expired ceremony is not returned", func(t *testing.T, e *env) {
		early, late := e.newCeremony("", ""), e.newCeremony("", "")
		must(t, e.s.CreateCeremony(e.ctx, early))
		must(t, e.s.CreateCeremony(e.ctx, late))
		e.clk.Advance(5*time.Minute - time.Second)
		if _, err := e.s.ConsumeCeremony(e.ctx, early.Hash); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		e.clk.Advance(2 * time.Second)
		_, err := e.s.ConsumeCeremony(e.ctx, late.Hash)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"a taken hash is ErrAlreadyExists and keeps the first ceremony", func(t *testing.T, e *env) {
		c := e.newCeremony("", "")
		must(t, e.s.CreateCeremony(e.ctx, c))
		dup := e.newCeremony("", "")
		dup.Hash, dup.Kind = c.Hash, "enroll"
		wantErr(t, e.s.CreateCeremony(e.ctx, dup), storage.ErrAlreadyExists)
		got, err := e.s.ConsumeCeremony(e.ctx, c.Hash)
		must(t, err)
		equal(t, got, c)
	}},
	{"an unknown hash is ErrNotFound", func(t *testing.T, e *env) {
		must(t, e.s.CreateCeremony(e.ctx, e.newCeremony("", "")))
		_, err := e.s.ConsumeCeremony(e.ctx, secrets.Bytes(32))
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"of 20 concurrent ConsumeCeremony calls exactly one gets the ceremony", func(t *testing.T, e *env) {
		c := e.newCeremony("", "")
		must(t, e.s.CreateCeremony(e.ctx, c))
		got := make([]storage.Ceremony, racers)
		w := e.race(t, racers, func(i int) error {
			var err error
			got[i], err = e.s.ConsumeCeremony(e.ctx, c.Hash)
			return err
		})
		if !bytes.Equal(got[w].Hash, c.Hash) || !bytes.Equal(got[w].Data, c.Data) {
			t.Fatalf("the winner got %+v, want %+v", got[w], c)
		}
	}},
}
