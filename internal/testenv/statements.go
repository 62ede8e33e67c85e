package testenv

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// StatementCounter is a pgx query tracer that counts the SQL statements a
// PostgreSQL store sends: tests compare costs (no enumeration by timing)
// and benchmarks report statements per sign-in.
type StatementCounter struct{ n atomic.Int64 }

// TraceQueryStart counts one statement.
func (c *StatementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

// TraceQueryEnd does nothing.
func (c *StatementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Count is the number of statements so far.
func (c *StatementCounter) Count() int64 { return c.n.Load() }
