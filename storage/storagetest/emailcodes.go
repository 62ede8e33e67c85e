package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// guessWrong makes n wrong guesses, each of which must be ErrNotFound.
func (e *env) guessWrong(t *testing.T, email string, n, maxAttempts int) {
	t.Helper()
	for i := range n {
		if _, err := e.s.ConsumeEmailCode(e.ctx, email, secrets.Bytes(32), maxAttempts); !errorsIs(err, storage.ErrNotFound) {
			t.Fatalf("wrong guess %d: error = %v, want ErrNotFound", i+1, err)
		}
	}
}

var emailCodeTests = []test{
	{"a right guess returns the code whole and deletes it", func(t *testing.T, e *env) {
		c := e.newEmailCode("ada@example.com")
		bare := e.newEmailCode("grace@example.com")
		bare.AuthRequestID = ""
		for _, code := range []storage.EmailCode{c, bare} {
			must(t, e.s.SaveEmailCode(e.ctx, code))
		}
		for _, code := range []storage.EmailCode{c, bare} {
			got, err := e.s.ConsumeEmailCode(e.ctx, code.Email, code.Hash, 5)
			must(t, err)
			equal(t, got, code)
			_, err = e.s.ConsumeEmailCode(e.ctx, code.Email, code.Hash, 5)
			wantErr(t, err, storage.ErrNotFound)
		}
	}},
	{"wrong guesses count attempts, and the right guess still wins before the last", func(t *testing.T, e *env) {
		c := e.newEmailCode("ada@example.com")
		must(t, e.s.SaveEmailCode(e.ctx, c))
		other := e.newEmailCode("grace@example.com")
		must(t, e.s.SaveEmailCode(e.ctx, other))
		e.guessWrong(t, c.Email, 4, 5)
		// The right code of another email is a wrong guess for this one.
		got, err := e.s.ConsumeEmailCode(e.ctx, other.Email, other.Hash, 5)
		must(t, err)
		equal(t, got, other)
		got, err = e.s.ConsumeEmailCode(e.ctx, c.Email, c.Hash, 5)
		must(t, err)
		want := c
		want.Attempts = 4
		equal(t, got, want)
	}},
	{"the maxAttempts-th wrong guess deletes the code, so even the right guess then fails", func(t *testing.T, e *env) {
		c := e.newEmailCode("ada@example.com")
		must(t, e.s.SaveEmailCode(e.ctx, c))
		e.guessWrong(t, c.Email, 5, 5)
		// Deleted, not merely refused: not even a higher limit finds it.
		_, err := e.s.ConsumeEmailCode(e.ctx, c.Email, c.Hash, 10)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.ConsumeEmailCode(e.ctx, c.Email, c.Hash, 5)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"of 20 concurrent right guesses exactly one gets the code", func(t *testing.T, e *env) {
		for range rounds {
			c := e.newEmailCode("ada@example.com")
			must(t, e.s.SaveEmailCode(e.ctx, c))
			got := make([]storage.EmailCode, racers)
			w := e.race(t, racers, func(i int) error {
				var err error
				got[i], err = e.s.ConsumeEmailCode(e.ctx, c.Email, c.Hash, 5)
				return err
			})
			equal(t, got[w], c)
		}
	}},
	{"20 concurrent wrong guesses count exactly 20 attempts", func(t *testing.T, e *env) {
		c := e.newEmailCode("ada@example.com")
		must(t, e.s.SaveEmailCode(e.ctx, c))
		for i, err := range e.concurrently(racers, func(int) error {
			_, err := e.s.ConsumeEmailCode(e.ctx, c.Email, secrets.Bytes(32), 25)
			return err
		}) {
			if !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("wrong guess %d: error = %v, want ErrNotFound", i, err)
			}
		}
		got, err := e.s.ConsumeEmailCode(e.ctx, c.Email, c.Hash, 25)
		must(t, err)
		if got.Attempts != racers {
			t.Fatalf("Attempts = %d after %d wrong guesses", got.Attempts, racers)
		}
	}},
	{"after 20 concurrent wrong guesses with maxAttempts 5 the right guess fails", func(t *testing.T, e *env) {
		c := e.newEmailCode("ada@example.com")
		must(t, e.s.SaveEmailCode(e.ctx, c))
		for i, err := range e.concurrently(racers, func(int) error {
			_, err := e.s.ConsumeEmailCode(e.ctx, c.Email, secrets.Bytes(32), 5)
			return err
		}) {
			if !errorsIs(err, storage.ErrNotFound) {
				t.Errorf("wrong guess %d: error = %v, want ErrNotFound", i, err)
			}
		}
		_, err := e.s.ConsumeEmailCode(e.ctx, c.Email, c.Hash, 5)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"a code is taken until it expires; an expired code or an unknown email is ErrNotFound", func(t *testing.T, e *env) {
		c, late := e.newEmailCode("ada@example.com"), e.newEmailCode("grace@example.com")
		must(t, e.s.SaveEmailCode(e.ctx, c))
		must(t, e.s.SaveEmailCode(e.ctx, late))
		e.clk.Advance(10*time.Minute - time.Second)
		got, err := e.s.ConsumeEmailCode(e.ctx, c.Email, c.Hash, 5)
		must(t, err)
		equal(t, got, c)
		e.clk.Advance(2 * time.Second)
		_, err = e.s.ConsumeEmailCode(e.ctx, late.Email, late.Hash, 5)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.ConsumeEmailCode(e.ctx, "nobody@example.com", late.Hash, 5)
		wantErr(t, err, storage.ErrNotFound)
	}},
	{"SaveEmailCode replaces the email's earlier code and its attempt count", func(t *testing.T, e *env) {
		first := e.newEmailCode("ada@example.com")
		must(t, e.s.SaveEmailCode(e.ctx, first))
		e.guessWrong(t, first.Email, 4, 5)
		e.clk.Advance(time.Minute)
		second := e.newEmailCode(first.Email)
		must(t, e.s.SaveEmailCode(e.ctx, second))
		// The first code is now a wrong guess: attempts 1 of the second.
		_, err := e.s.ConsumeEmailCode(e.ctx, first.Email, first.Hash, 5)
		wantErr(t, err, storage.ErrNotFound)
		e.guessWrong(t, first.Email, 3, 5)
		got, err := e.s.ConsumeEmailCode(e.ctx, second.Email, second.Hash, 5)
		must(t, err)
		want := second
		want.Attempts = 4
		equal(t, got, want)
	}},
	{"DeleteExpired removes expired email codes", func(t *testing.T, e *env) {
		short, long := e.newEmailCode("ada@example.com"), e.newEmailCode("grace@example.com")
		short.ExpiresAt = short.CreatedAt.Add(time.Minute)
		long.ExpiresAt = long.CreatedAt.Add(time.Hour)
		must(t, e.s.SaveEmailCode(e.ctx, short))
		must(t, e.s.SaveEmailCode(e.ctx, long))
		n, err := e.s.DeleteExpired(e.ctx)
		must(t, err)
		if n != 0 {
			t.Fatalf("DeleteExpired removed %d rows before anything expired, want 0", n)
		}
		e.clk.Advance(2 * time.Minute)
		n, err = e.s.DeleteExpired(e.ctx)
		must(t, err)
		if n != 1 {
			t.Fatalf("DeleteExpired removed %d rows, want the 1 expired code", n)
		}
		got, err := e.s.ConsumeEmailCode(e.ctx, long.Email, long.Hash, 5)
		must(t, err)
		equal(t, got, long)
	}},
}
