package postgres

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/migrations"
	"github.com/latchkey-id/latchkey/storage"
)

// A database written by the first release keeps its clients through the
// migration that added per-client settings, each with the setting that
// means "as before".
func TestUpgradeFromVersion1KeepsClientsAsTheyWere(t *testing.T) {
	s, err := Open(t.Context(), Config{URL: testenv.PostgresDatabase(t)}, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	created := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, q := range []string{createSchemaMigrations, migrations.Postgres()[0].SQL,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'initial', now())`} {
		if _, err := s.pool.Exec(t.Context(), q); err != nil {
			t.Fatalf("set up version 1: %v", err)
		}
	}
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO clients (id, secret_hash, name, redirect_uris, public, created_at)
		VALUES ('old', NULL, 'Old app', '{https://old.example/cb}', true, $1)`, created); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	got, err := s.Client(t.Context(), "old")
	if err != nil {
		t.Fatal(err)
	}
	if got.IDTokenAlg != "" || got.IDTokenUserinfoClaims || got.RequireConsent || got.BackchannelLogoutURI != "" ||
		got.Name != "Old app" || !got.Public || !got.CreatedAt.Equal(created) {
		t.Fatalf("client after the upgrade = %+v", got)
	}
}
