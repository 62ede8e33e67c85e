package sqlite

import (
	"context"
	"fmt"

	"github.com/latchkey-id/latchkey/migrations"
)

// schemaTable records each applied migration. It lives outside the
// numbered files because it must exist before the first of them runs.
const schemaTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at INTEGER NOT NULL
) STRICT`

// Migrate applies every pending migration of migrations.SQLite(), each in
// its own transaction together with the row that records it, so a crash
// leaves the schema at a recorded version. It refuses a database newer
// than this binary. Because each step re-reads the version under the write
// lock, two processes migrating at once apply each file once.
func (s *Store) Migrate(ctx context.Context) error {
	all := migrations.SQLite()
	for {
		applied, err := s.migrateOne(ctx, all)
		if err != nil {
			return wrap("migrate "+s.path, err)
		}
		if !applied {
			return nil
		}
	}
}

// migrateOne applies the next pending migration, if any, and reports
// whether it did.
func (s *Store) migrateOne(ctx context.Context, all []migrations.Migration) (bool, error) {
	applied := false
	err := s.write(ctx, func(t *txn) error {
		// A migration runs once per database, and its file is a script of
		// several statements, which SQLite cannot keep prepared: these
		// statements bypass the statement cache.
		tx := t.tx
		if _, err := tx.ExecContext(ctx, schemaTable); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return err
		}
		pending, err := migrations.Pending(all, current)
		if err != nil || len(pending) == 0 {
			return err
		}
		m := pending[0]
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, s.nowMicros()); err != nil {
			return err
		}
		applied = true
		return nil
	})
	return applied, err
}

// SchemaVersion returns the newest applied migration, 0 for a database
// never migrated.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read(ctx, func(tx *txn) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_schema
			WHERE type = 'table' AND name = 'schema_migrations')`).Scan(&exists); err != nil || !exists {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	})
	if err != nil {
		return 0, wrap("schema version of "+s.path, err)
	}
	return v, nil
}
