package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkey-id/latchkey/storage"
)

// Config says which database to use and how to reach it.
type Config struct {
	// URL is a libpq connection string: a postgres:// URL or key=value pairs.
	URL string
	// MaxConns caps the pool; 0 keeps pgx's default (the larger of 4 and the
	// number of CPUs), or pool_max_conns from the URL.
	MaxConns int32
	// Tracer, when set, sees every statement; benchmarks count statements
	// with it.
	Tracer pgx.QueryTracer
}

// defaultConnectTimeout bounds each connection attempt when the URL sets no
// connect_timeout, so an unreachable server fails Open instead of hanging
// until the operating system gives up.
const defaultConnectTimeout = 10 * time.Second

// Store is storage.Store on a PostgreSQL database. It is safe for
// concurrent use; several Stores (replicas) may share one database.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

var _ storage.Store = (*Store)(nil)

// Open connects to the database and checks that it answers. It does not
// touch the schema: call Migrate. Every failure is one line that never
// contains the password.
func Open(ctx context.Context, cfg Config, opts storage.Options) (*Store, error) {
	// The pool config must come from ParseConfig: NewWithConfig panics on a
	// hand-built one.
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, openError("invalid database URL", cfg.URL, nil, err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if cfg.Tracer != nil {
		pc.ConnConfig.Tracer = cfg.Tracer
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, openError("cannot open the database", cfg.URL, &pc.ConnConfig.Config, err)
	}
	// NewWithConfig connects lazily; only a ping proves the database is there.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, openError("cannot reach the database", cfg.URL, &pc.ConnConfig.Config, err)
	}
	return &Store{pool: pool, now: opts.Clock()}, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.pool.Ping(ctx))
}

// Close waits for connections in use to be returned and closes them all.
// Calling it again does nothing.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// querier is what a method needs to run statements: the pool itself, or a
// transaction when the method needs several statements.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// commitAsync ends a statement whose transaction may commit without
// waiting for the WAL to reach the disk; only the methods that "Durability"
// in the package doc names use it, each saying why at its use. It needs
// no round trip and no pool of its own: set_config(…, true) sets
// synchronous_commit for the current transaction only — the statement's
// own, which commits when the statement ends — and RETURNING evaluates it
// for every row the statement writes, before that commit. A statement that
// writes nothing commits nothing to wait for. The setting ends with the
// transaction, so the next statement on the connection (a RedeemCode, say)
// commits synchronously as always. So it belongs only at the end of a
// statement without a RETURNING of its own that is its own transaction —
// never inside inTx, where it would make the whole transaction
// asynchronous.
const commitAsync = ` RETURNING set_config('synchronous_commit', 'off', true)`

// inTx runs fn in one transaction, committed when fn returns nil and rolled
// back otherwise.
func (s *Store) inTx(ctx context.Context, fn func(q querier) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(tx) })
}
