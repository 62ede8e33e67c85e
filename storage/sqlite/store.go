package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"time"

	// The pure-Go driver, registered as "sqlite".
	_ "modernc.org/sqlite"

	"github.com/latchkey-id/latchkey/migrations"
	"github.com/latchkey-id/latchkey/storage"
)

// busyTimeout is how long a connection waits for another process (a CLI
// command, `latchkey migrate`) to release the write lock. Writers of this
// process never wait on it: they queue for the one writer connection.
const busyTimeout = 10 * time.Second

// Config says where the database lives.
type Config struct {
	// Path is the database file. It is created (mode 0600) when missing,
	// together with its directory.
	Path string
}

// Store is storage.Store on one SQLite file. See the package doc for the
// connection design.
type Store struct {
	path    string
	writer  *sql.DB
	readers *sql.DB
	// writeStmts and readStmts are the pools' prepared statements (see
	// stmtCache): every method's SQL goes through them.
	writeStmts *stmtCache
	readStmts  *stmtCache
	now        func() time.Time
}

var _ storage.Store = (*Store)(nil)

// Open opens (creating if need be) the database at cfg.Path. It does not
// apply migrations (see Migrate), but it refuses a database whose schema is
// newer than this binary. Every failure is one clear error naming the path.
func Open(ctx context.Context, cfg Config, opts storage.Options) (*Store, error) {
	path, err := prepareFile(cfg.Path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, now: opts.Clock()}

	s.writer, err = sql.Open("sqlite", dsn(path, url.Values{
		"_pragma": {
			fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
			"journal_mode(WAL)",
			"foreign_keys(1)",
			"synchronous(NORMAL)",
		},
		"_txlock": {"immediate"},
	}))
	if err != nil {
		return nil, openError(path, err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)
	// The writer connects first: it turns the journal into WAL, which the
	// readers then find in the file.
	if err := s.checkWriter(ctx); err != nil {
		s.writer.Close()
		return nil, err
	}

	readers := max(4, runtime.GOMAXPROCS(0))
	s.readers, err = sql.Open("sqlite", dsn(path, url.Values{
		"_pragma": {
			fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
			"foreign_keys(1)",
			"query_only(1)",
		},
	}))
	if err != nil {
		s.writer.Close()
		return nil, openError(path, err)
	}
	s.readers.SetMaxOpenConns(readers)
	s.readers.SetMaxIdleConns(readers)
	s.readers.SetConnMaxLifetime(0)
	s.readers.SetConnMaxIdleTime(0)
	if err := s.readers.PingContext(ctx); err != nil {
		s.Close()
		return nil, openError(path, err)
	}

	s.writeStmts, s.readStmts = newStmtCache(s.writer), newStmtCache(s.readers)

	if err := s.refuseNewer(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// dsn builds a file: URI, so that a path containing '?' or '#' survives,
// with the driver's query parameters.
func dsn(path string, q url.Values) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// checkWriter makes the writer's first connection, which applies the DSN
// pragmas, and proves the file is a database in WAL mode that can be
// written.
func (s *Store) checkWriter(ctx context.Context) error {
	// Reading the schema makes SQLite parse the header and the first page;
	// a file that is not a database fails here if not earlier.
	var n int
	if err := s.writer.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&n); err != nil {
		return openError(s.path, err)
	}
	var mode string
	if err := s.writer.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return openError(s.path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("sqlite: %s: cannot use a WAL journal here (journal mode is %q)", s.path, mode)
	}
	// An empty write transaction takes the write lock: it fails on a file
	// SQLite could only open read-only.
	tx, err := s.writer.BeginTx(ctx, nil)
	if err == nil {
		_, err = tx.ExecContext(ctx, `PRAGMA user_version`)
		if rerr := tx.Rollback(); err == nil {
			err = rerr
		}
	}
	if err != nil {
		return openError(s.path, err)
	}
	return nil
}

// refuseNewer fails when the schema was written by a newer Latchkey: this
// binary cannot know what that schema means.
func (s *Store) refuseNewer(ctx context.Context) error {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if _, err := migrations.Pending(migrations.SQLite(), v); err != nil {
		return fmt.Errorf("sqlite: %s: %w", s.path, err)
	}
	return nil
}

// Ping checks that both pools answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.readers.PingContext(ctx); err != nil {
		return wrap("ping", err)
	}
	if err := s.writer.PingContext(ctx); err != nil {
		return wrap("ping", err)
	}
	return nil
}

// Close closes the prepared statements, the readers, then the writer: the
// last connection to close checkpoints the WAL into the main file.
func (s *Store) Close() error {
	var errs []error
	for _, c := range []*stmtCache{s.readStmts, s.writeStmts} {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	if s.readers != nil {
		errs = append(errs, s.readers.Close())
	}
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	return errors.Join(errs...)
}

// write runs fn as one transaction on the writer connection; BEGIN
// IMMEDIATE holds the write lock from the start, so fn's statements never
// race another writer. fn's error rolls everything back. Statements fn ran
// for the first time are prepared once the connection is free again.
func (s *Store) write(ctx context.Context, fn func(tx *txn) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	t := &txn{tx: tx, stmts: s.writeStmts}
	defer func() { s.writeStmts.prepareAll(ctx, t.missed) }()
	if err := fn(t); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// read runs fn as one read transaction on a reader: its statements see one
// snapshot. Methods with a single SELECT skip it (a statement is its own
// transaction).
func (s *Store) read(ctx context.Context, fn func(tx *txn) error) error {
	tx, err := s.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	t := &txn{tx: tx, stmts: s.readStmts}
	defer func() { s.readStmts.prepareAll(ctx, t.missed) }()
	defer tx.Rollback()
	if err := fn(t); err != nil {
		return err
	}
	return tx.Commit()
}

// nowMicros is the store clock's current time, in the schema's unit.
func (s *Store) nowMicros() int64 { return s.now().UnixMicro() }
