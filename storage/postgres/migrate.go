package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkey-id/latchkey/migrations"
)

// migrateLockID is the key of the session-level advisory lock that makes
// replicas starting together migrate one after the other. Any constant
// works as long as nothing else in the database uses it; this one spells
// "latchkey" in ASCII.
const migrateLockID int64 = 0x6c617463686b6579

// createSchemaMigrations makes the runner's own table, which no migration
// may create: the runner needs it before it knows what to apply.
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer     PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL
)`

// Migrate brings the schema up to date: it applies every pending migration
// of migrations.Postgres(), each in its own transaction that also records
// it, so a failure leaves the database at the last good version. A database
// newer than this binary is refused. Replicas may call it at the same time:
// an advisory lock makes them take turns, and the later ones find nothing
// to do.
func (s *Store) Migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return wrap("migrate", err)
	}
	// A session-level lock belongs to this connection, so every statement
	// below runs on it. pg_advisory_lock waits for the replica holding the
	// lock; cancelling ctx cancels the wait.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLockID); err != nil {
		conn.Release()
		return wrap("migrate: lock", err)
	}
	defer unlock(ctx, conn)

	if _, err := conn.Exec(ctx, createSchemaMigrations); err != nil {
		return wrap("migrate", err)
	}
	current, err := schemaVersion(ctx, conn)
	if err != nil {
		return wrap("migrate", err)
	}
	pending, err := migrations.Pending(migrations.Postgres(), current)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, m := range pending {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// Without arguments pgx uses the simple protocol, which runs a
			// file of many statements.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, s.now())
			return err
		})
		if err != nil {
			return wrap(fmt.Sprintf("migrate: apply %04d_%s", m.Version, m.Name), err)
		}
	}
	return nil
}

// unlock releases the migration lock and the connection. The lock would
// otherwise live as long as the pooled connection, so if it cannot be
// released the connection is closed, which ends the session and its locks.
func unlock(ctx context.Context, conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, migrateLockID); err != nil {
		_ = conn.Conn().Close(ctx)
	}
	conn.Release()
}

// SchemaVersion returns the version of the newest migration applied, or 0
// for a database that has never been migrated.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	v, err := schemaVersion(ctx, s.pool)
	return v, wrap("schema version", err)
}

func schemaVersion(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}) (int, error) {
	var v int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == undefinedTable {
		return 0, nil
	}
	return v, err
}
