package sqlite

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/latchkey-id/latchkey/storage"
)

func TestDriverErrorsBecomeSentinelsWithContext(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, storage.Options{})
	u := testUser()
	mustDo(t, "CreateUser", s.CreateUser(ctx, u, nil))

	dup := testUser()
	dup.Email = u.Email
	err := s.CreateUser(ctx, dup, nil)
	if !errors.Is(err, storage.ErrAlreadyExists) || !strings.Contains(err.Error(), "users.email taken") ||
		strings.Contains(err.Error(), "constraint failed") {
		t.Errorf("duplicate email: err = %v, want ErrAlreadyExists naming users.email", err)
	}

	err = s.CreateCeremony(ctx, storage.Ceremony{Hash: []byte{1}, Kind: "login", UserID: "nobody", ExpiresAt: epoch})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("ceremony of an unknown user: err = %v, want ErrNotFound", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.User(cancelled, u.ID); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled read: err = %v, want context.Canceled", err)
	}
	if err := s.CreateClient(cancelled, testClient()); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled write: err = %v, want context.Canceled", err)
	}
}
