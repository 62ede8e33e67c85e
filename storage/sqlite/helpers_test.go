package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// openStore opens and migrates a store on path, closed when the test ends.
func openStore(t testing.TB, path string, opts storage.Options) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Config{Path: path}, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// newStore is a migrated store on a fresh file in the test's temp dir.
func newStore(t testing.TB, opts storage.Options) *Store {
	t.Helper()
	return openStore(t, filepath.Join(t.TempDir(), "latchkey.db"), opts)
}

// epoch is a fixed instant with sub-microsecond digits, so that truncation
// shows.
var epoch = time.Date(2026, 11, 22, 9, 0, 0, 123456789, time.UTC)

func testUser() storage.User {
	return storage.User{
		ID:         secrets.ID(),
		WebAuthnID: secrets.Bytes(32),
		Email:      secrets.ID() + "@example.com",
		Name:       "Ada",
		CreatedAt:  epoch,
		UpdatedAt:  epoch,
	}
}

func testClient() storage.Client {
	return storage.Client{
		ID:           secrets.ID(),
		SecretHash:   secrets.Hash(secrets.Token()),
		Name:         "app",
		RedirectURIs: []string{"https://app.example/cb"},
		CreatedAt:    epoch,
	}
}

func mustDo(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
