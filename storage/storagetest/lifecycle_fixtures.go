package storagetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// Fixtures of the passkey lifecycle: security events, recovery codes,
// sign-up email codes. Every field is set, as in fixtures.go.

func (e *env) newEvent(userID, kind, passkeyID string) storage.SecurityEvent {
	return storage.SecurityEvent{
		ID:        secrets.ID(),
		UserID:    userID,
		Kind:      kind,
		PasskeyID: passkeyID,
		IP:        "198.51.100.23",
		UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)",
		Detail:    "Ada’s MacBook",
		CreatedAt: e.clk.Now(),
	}
}

// newestFirst is the order SecurityEvents promises: newest first, and of
// events at the same instant the greater id (compared as bytes) first.
func newestFirst(es ...storage.SecurityEvent) []storage.SecurityEvent {
	out := slices.Clone(es)
	slices.SortFunc(out, func(a, b storage.SecurityEvent) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out
}

// wantEvents checks that the user's events are exactly want, newest first.
func (e *env) wantEvents(t *testing.T, userID string, want ...storage.SecurityEvent) {
	t.Helper()
	got, err := e.s.SecurityEvents(e.ctx, userID, 1000)
	must(t, err)
	if len(want) == 0 {
		if len(got) != 0 {
			t.Fatalf("SecurityEvents = %+v, want none", got)
		}
		return
	}
	equal(t, got, newestFirst(want...))
}

// newRecoveryCodes makes n codes of the user, created a second apart.
func (e *env) newRecoveryCodes(userID string, n int) []storage.RecoveryCode {
	cs := make([]storage.RecoveryCode, n)
	for i := range cs {
		cs[i] = storage.RecoveryCode{
			ID:        secrets.ID(),
			UserID:    userID,
			Hash:      secrets.Bytes(48), // stands for an argon2id hash with its salt
			CreatedAt: e.clk.Now().Add(time.Duration(i) * time.Second),
		}
	}
	return cs
}

// recoveryCodes gives the user n new codes, replacing any they had.
func (e *env) recoveryCodes(t *testing.T, userID string, n int) []storage.RecoveryCode {
	t.Helper()
	cs := e.newRecoveryCodes(userID, n)
	must(t, e.s.ReplaceRecoveryCodes(e.ctx, userID, cs, nil))
	return cs
}

// wantRecoveryCodes checks that the user's codes are exactly want, oldest first.
func (e *env) wantRecoveryCodes(t *testing.T, userID string, want []storage.RecoveryCode) {
	t.Helper()
	got, err := e.s.RecoveryCodes(e.ctx, userID)
	must(t, err)
	if len(want) == 0 {
		if len(got) != 0 {
			t.Fatalf("RecoveryCodes = %+v, want none", got)
		}
		return
	}
	equal(t, got, want)
}

func (e *env) newEmailCode(email string) storage.EmailCode {
	now := e.clk.Now()
	return storage.EmailCode{
		Email:         email,
		Hash:          secrets.Bytes(32),
		AuthRequestID: secrets.ID(),
		CreatedAt:     now,
		ExpiresAt:     now.Add(10 * time.Minute),
	}
}

// recoveryLink is the enrollment link a recovery buys, with no user: the
// store gives it the code's (or the reset person's).
func (e *env) recoveryLink() storage.Enrollment {
	l := e.newEnrollment("")
	l.Purpose, l.AuthRequestID = "recovery", secrets.ID()
	return l
}
