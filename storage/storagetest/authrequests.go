package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var authRequestTests = []test{
	{"an auth request is returned whole", func(t *testing.T, e *env) {
		c := e.client(t)
		a := e.authRequest(t, c.ID)
		e.authRequest(t, c.ID)
		got, err := e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, got, a)
	}},
	{"an auth request without optional values keeps them empty", func(t *testing.T, e *env) {
		a := e.newAuthRequest(e.client(t).ID)
		a.MaxAge, a.HintSubject, a.LoginHint, a.Nonce = nil, "", "", ""
		a.Prompt, a.UILocales, a.ACRValues = nil, nil, []string{}
		must(t, e.s.CreateAuthRequest(e.ctx, a))
		got, err := e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, got, a)
		if got.MaxAge != nil {
			t.Fatalf("MaxAge = %d, want nil", *got.MaxAge)
		}
	}},
	{"a taken id is ErrAlreadyExists", func(t *testing.T, e *env) {
		c := e.client(t)
		a := e.authRequest(t, c.ID)
		dup := e.newAuthRequest(c.ID)
		dup.ID = a.ID
		wantErr(t, e.s.CreateAuthRequest(e.ctx, dup), storage.ErrAlreadyExists)
		got, err := e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, got, a)
	}},
	{"an expired auth request is not returned, completed or failed", func(t *testing.T, e *env) {
		u := e.user(t)
		a := e.authRequest(t, e.client(t).ID)
		e.clk.Advance(30*time.Minute - time.Second)
		if _, err := e.s.AuthRequest(e.ctx, a.ID); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		e.clk.Advance(2 * time.Second)
		_, err := e.s.AuthRequest(e.ctx, a.ID)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.CompleteAuthRequest(e.ctx, a.ID, e.completion(u.ID))
		wantErr(t, err, storage.ErrNotFound)
		wantErr(t, e.s.FailAuthRequest(e.ctx, a.ID, "access_denied", "too late"), storage.ErrNotFound)
	}},
	{"CompleteAuthRequest records the sign-in once", func(t *testing.T, e *env) {
		u := e.user(t)
		a := e.authRequest(t, e.client(t).ID)
		c := e.completion(u.ID)
		got, err := e.s.CompleteAuthRequest(e.ctx, a.ID, c)
		must(t, err)
		want := completed(a, c)
		equal(t, got, want)
		got, err = e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, got, want)

		_, err = e.s.CompleteAuthRequest(e.ctx, a.ID, e.completion(u.ID))
		wantErr(t, err, storage.ErrNotFound)
		wantErr(t, e.s.FailAuthRequest(e.ctx, a.ID, "access_denied", ""), storage.ErrNotFound)
		got, err = e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, got, want)
	}},
	{"FailAuthRequest records the error once", func(t *testing.T, e *env) {
		u := e.user(t)
		a := e.authRequest(t, e.client(t).ID)
		must(t, e.s.FailAuthRequest(e.ctx, a.ID, "access_denied", "the person cancelled"))
		want := a
		want.Error, want.ErrorDescription = "access_denied", "the person cancelled"
		got, err := e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, got, want)

		_, err = e.s.CompleteAuthRequest(e.ctx, a.ID, e.completion(u.ID))
		wantErr(t, err, storage.ErrNotFound)
		wantErr(t, e.s.FailAuthRequest(e.ctx, a.ID, "login_required", ""), storage.ErrNotFound)
		got, err = e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, got, want)
	}},
	{"unknown auth requests are ErrNotFound", func(t *testing.T, e *env) {
		u := e.user(t)
		e.authRequest(t, e.client(t).ID)
		id := secrets.ID()
		_, err := e.s.AuthRequest(e.ctx, id)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.CompleteAuthRequest(e.ctx, id, e.completion(u.ID))
		wantErr(t, err, storage.ErrNotFound)
		wantErr(t, e.s.FailAuthRequest(e.ctx, id, "access_denied", ""), storage.ErrNotFound)
		wantErr(t, e.s.DeleteAuthRequest(e.ctx, id), storage.ErrNotFound)
	}},
	{"DeleteAuthRequest removes the request and only it", func(t *testing.T, e *env) {
		c := e.client(t)
		a, other := e.authRequest(t, c.ID), e.authRequest(t, c.ID)
		must(t, e.s.DeleteAuthRequest(e.ctx, a.ID))
		_, err := e.s.AuthRequest(e.ctx, a.ID)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.AuthRequest(e.ctx, other.ID)
		must(t, err)
	}},
	{"of 20 concurrent CompleteAuthRequest calls exactly one wins", func(t *testing.T, e *env) {
		u := e.user(t)
		a := e.authRequest(t, e.client(t).ID)
		cs := make([]storage.Completion, racers)
		for i := range cs {
			cs[i] = e.completion(u.ID)
		}
		got := make([]storage.AuthRequest, racers)
		w := e.race(t, racers, func(i int) error {
			var err error
			got[i], err = e.s.CompleteAuthRequest(e.ctx, a.ID, cs[i])
			return err
		})
		equal(t, got[w], completed(a, cs[w]))
		stored, err := e.s.AuthRequest(e.ctx, a.ID)
		must(t, err)
		equal(t, stored, completed(a, cs[w]))
	}},
}
