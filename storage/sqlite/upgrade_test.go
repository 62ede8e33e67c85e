package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/migrations"
	"github.com/latchkey-id/latchkey/storage"
)

// A database written by the first release keeps its clients through the
// migration that added per-client settings, each with the setting that
// means "as before".
func TestUpgradeFromVersion1KeepsClientsAsTheyWere(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "latchkey.db")
	s, err := Open(ctx, Config{Path: path}, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	applied, err := s.migrateOne(ctx, migrations.SQLite()[:1])
	if err != nil || !applied {
		t.Fatalf("apply version 1: %v, %v", applied, err)
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	if _, err := s.writer.ExecContext(ctx, `INSERT INTO clients (id, secret_hash, name, redirect_uris, public, created_at)
		VALUES ('old', NULL, 'Old app', '["https://old.example/cb"]', 1, ?)`, created.UnixMicro()); err != nil {
		t.Fatal(err)
	}
	mustDo(t, "Migrate", s.Migrate(ctx))
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(migrations.SQLite()) {
		t.Fatalf("SchemaVersion = %d, %v", v, err)
	}
	got, err := s.Client(ctx, "old")
	mustDo(t, "Client", err)
	if got.IDTokenAlg != "" || got.IDTokenUserinfoClaims || got.RequireConsent || got.BackchannelLogoutURI != "" ||
		got.Name != "Old app" || !got.Public || !got.CreatedAt.Equal(created) {
		t.Fatalf("client after the upgrade = %+v", got)
	}
}
