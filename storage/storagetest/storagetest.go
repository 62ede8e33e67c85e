package storagetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/storage"
)

// Run runs the whole suite against the backend that newStore makes. Each
// subtest gets its own fake clock and a fresh store built with it.
func Run(t *testing.T, newStore func(t *testing.T, opts storage.Options) storage.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"users", userTests},
		{"passkeys", passkeyTests},
		{"ceremonies", ceremonyTests},
		{"enrollments", enrollmentTests},
		{"clients", clientTests},
		{"consents", consentTests},
		{"auth requests", authRequestTests},
		{"auth codes", authCodeTests},
		{"tokens", tokenTests},
		{"sessions", sessionTests},
		{"session clients", sessionClientTests},
		{"signing keys", signingKeyTests},
		{"upkeep", upkeepTests},
		{"passkey management", passkeyManageTests},
		{"security events", eventTests},
		{"recovery codes", recoveryCodeTests},
		{"email codes", emailCodeTests},
		{"step-up", stepUpTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					clk := NewClock()
					e := &env{ctx: t.Context(), s: newStore(t, storage.Options{Now: clk.Now}), clk: clk}
					tc.run(t, e)
				})
			}
		})
	}
}

// test is one behaviour, named as a sentence.
type test struct {
	name string
	run  func(t *testing.T, e *env)
}

// env is what a subtest works with.
type env struct {
	ctx context.Context
	s   storage.Store
	clk *Clock
}

// Clock is a fake clock that a test moves by hand. It starts in a zone
// that is not UTC and at a time with nanoseconds, so a store that returns
// times as it was given them (not UTC, not truncated) fails the suite.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at a fixed instant in UTC+05:30.
func NewClock() *Clock {
	return &Clock{now: time.Date(2031, 3, 4, 5, 6, 7, 123456789, time.FixedZone("UTC+05:30", 5*3600+30*60))}
}

// Now returns the clock's time; pass it as storage.Options.Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
