package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var authCodeTests = []test{
	{"a completed request gets one code, returned with the request", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		a := e.doneAuthRequest(t, c.ID, u.ID)
		code := e.newCode(a.ID)
		must(t, e.s.SaveAuthCode(e.ctx, code))
		gotCode, gotReq, err := e.s.AuthCode(e.ctx, code.Hash)
		must(t, err)
		equal(t, gotCode, code)
		equal(t, gotReq, a)

		wantErr(t, e.s.SaveAuthCode(e.ctx, e.newCode(a.ID)), storage.ErrAlreadyExists)
		gotCode, _, err = e.s.AuthCode(e.ctx, code.Hash)
		must(t, err)
		equal(t, gotCode, code)
	}},
	{"a code needs a completed, unexpired request", func(t *testing.T, e *env) {
		c, u := e.client(t), e.user(t)
		pending := e.authRequest(t, c.ID)
		failed := e.authRequest(t, c.ID)
		must(t, e.s.FailAuthRequest(e.ctx, failed.ID, "access_denied", ""))
		cases := map[string]string{"an unfinished request": pending.ID, "a failed request": failed.ID, "an unknown request": secrets.ID()}
		for name, id := range cases {
			code := e.newCode(id)
			if err := e.s.SaveAuthCode(e.ctx, code); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: error = %v, want ErrNotFound", name, err)
			}
			if _, _, err := e.s.AuthCode(e.ctx, code.Hash); !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("%s: a code was stored (error %v)", name, err)
			}
		}
		done := e.doneAuthRequest(t, c.ID, u.ID)
		e.clk.Advance(31 * time.Minute)
		wantErr(t, e.s.SaveAuthCode(e.ctx, e.newCode(done.ID)), storage.ErrNotFound)
	}},
	{"an unused code past its expiry is ErrNotFound", func(t *testing.T, e *env) {
		a := e.doneAuthRequest(t, e.client(t).ID, e.user(t).ID)
		code := e.newCode(a.ID)
		must(t, e.s.SaveAuthCode(e.ctx, code))
		e.clk.Advance(time.Minute - time.Second)
		if _, _, err := e.s.AuthCode(e.ctx, code.Hash); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		e.clk.Advance(2 * time.Second)
		_, _, err := e.s.AuthCode(e.ctx, code.Hash)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"an unused code whose request is gone is ErrNotFound", func(t *testing.T, e *env) {
		a := e.doneAuthRequest(t, e.client(t).ID, e.user(t).ID)
		code := e.newCode(a.ID)
		must(t, e.s.SaveAuthCode(e.ctx, code))
		must(t, e.s.DeleteAuthRequest(e.ctx, a.ID))
		_, _, err := e.s.AuthCode(e.ctx, code.Hash)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"a used code is returned after its request is deleted and past its expiry", func(t *testing.T, e *env) {
		g := e.grant(t, e.client(t).ID, e.user(t).ID)
		gotCode, gotReq, err := e.s.AuthCode(e.ctx, g.code.Hash)
		must(t, err)
		equal(t, gotCode, g.code)
		equal(t, gotReq, g.req)

		must(t, e.s.DeleteAuthRequest(e.ctx, g.req.ID))
		e.clk.Advance(10 * time.Minute) // well past the code's minute
		gotCode, gotReq, err = e.s.AuthCode(e.ctx, g.code.Hash)
		must(t, err)
		equal(t, gotCode, g.code)
		equal(t, gotReq, storage.AuthRequest{})
		if gotCode.UsedAt.IsZero() || gotCode.AuthRequestID != g.req.ID {
			t.Fatalf("the replayed code says UsedAt %v, AuthRequestID %q: the grant cannot be found", gotCode.UsedAt, gotCode.AuthRequestID)
		}
	}},
	{"an unknown code is ErrNotFound", func(t *testing.T, e *env) {
		e.grant(t, e.client(t).ID, e.user(t).ID)
		_, _, err := e.s.AuthCode(e.ctx, secrets.Bytes(32))
		wantErr(t, err, storage.ErrNotFound)
	}},
}
