package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxStmts bounds a pool's statement cache. Every SQL text of this package
// is a constant, so the cache holds well under this many; the bound only
// keeps a future text built at run time (an IN list of n placeholders, say)
// from growing it without end: texts past it run unprepared.
const maxStmts = 256

// stmtCache holds one prepared statement per SQL text for one pool.
// database/sql with modernc.org/sqlite otherwise compiles a text afresh on
// every call (sqlite3_prepare, step, finalize); a *sql.Stmt is prepared
// once on each connection of its pool that runs it and then only reset and
// re-bound, so a text is parsed once per connection. SQLite re-prepares a
// statement by itself when the schema changes under it (a migration).
//
// Using a statement changes nothing else: it runs on the same connection,
// in the same transaction, with the same arguments, and fails with the
// same driver error as the text would.
type stmtCache struct {
	db *sql.DB

	mu     sync.RWMutex
	stmts  map[string]*sql.Stmt
	closed bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: make(map[string]*sql.Stmt)}
}

// cached returns query's statement, or nil when it has not been prepared.
func (c *stmtCache) cached(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[query]
}

// prepare returns query's statement, preparing it when it is not cached
// yet, or nil when it cannot: the cache is full or closed, or SQLite
// refuses the text (then the caller runs the text and meets the same error
// there, mapped as before).
//
// Preparing takes a connection of the pool, so prepare must never be called
// while the caller holds one — inside a transaction. On the writer, whose
// one connection the transaction holds, it would wait forever; on the
// readers, transactions preparing at once could take every connection. In a
// transaction, txn runs a text it finds uncached unprepared and prepares it
// after the transaction ends.
func (c *stmtCache) prepare(ctx context.Context, query string) *sql.Stmt {
	if st := c.cached(query); st != nil {
		return st
	}
	c.mu.RLock()
	full := c.closed || len(c.stmts) >= maxStmts
	c.mu.RUnlock()
	if full {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.stmts[query]; prev != nil || c.closed || len(c.stmts) >= maxStmts {
		// Another caller prepared it first, or Close ran meanwhile.
		st.Close()
		return prev
	}
	c.stmts[query] = st
	return st
}

// prepareAll prepares the texts a transaction ran unprepared, once it has
// released its connection.
func (c *stmtCache) prepareAll(ctx context.Context, queries []string) {
	for _, q := range queries {
		c.prepare(ctx, q)
	}
}

// QueryRowContext is sql.DB's, through query's prepared statement.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.prepare(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// QueryContext is sql.DB's, through query's prepared statement.
func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.prepare(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

// Close closes every statement (each on every connection it was prepared
// on) and makes later texts run unprepared. The pool itself stays open.
func (c *stmtCache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}

// txn is a transaction whose statements go through its pool's prepared
// statements: tx.StmtContext runs a cached statement on the transaction's
// connection, inside the transaction. A text not cached yet runs unprepared
// and is remembered in missed, for the transaction's owner to prepare after
// the transaction ends (see stmtCache.prepare).
//
// One SQLite statement serves a text on a connection, so a transaction must
// not run a text again while rows of it are still open (no method does:
// each reads its rows to the end before its next statement).
type txn struct {
	tx     *sql.Tx
	stmts  *stmtCache
	missed []string
}

// stmt returns query's statement bound to the transaction, or nil (and
// remembers query) when it has not been prepared yet.
func (t *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	st := t.stmts.cached(query)
	if st == nil {
		t.missed = append(t.missed, query)
		return nil
	}
	return t.tx.StmtContext(ctx, st)
}

// ExecContext is sql.Tx's, through query's prepared statement.
func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// QueryRowContext is sql.Tx's, through query's prepared statement.
func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// QueryContext is sql.Tx's, through query's prepared statement.
func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}
