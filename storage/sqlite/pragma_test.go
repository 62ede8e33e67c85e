package sqlite

import (
	"context"
	"database/sql"
	"testing"

	"github.com/latchkey-id/latchkey/storage"
)

func pragma(t *testing.T, ctx context.Context, c *sql.Conn, name string) string {
	t.Helper()
	var v string
	if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestEveryConnectionHasThePragmasTheDesignNeeds(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, storage.Options{})
	common := map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"busy_timeout": "10000",
	}

	w, err := s.writer.Conn(ctx)
	mustDo(t, "writer conn", err)
	defer w.Close()
	for name, want := range common {
		if got := pragma(t, ctx, w, name); got != want {
			t.Errorf("writer: PRAGMA %s = %s, want %s", name, got, want)
		}
	}
	if got := pragma(t, ctx, w, "synchronous"); got != "1" {
		t.Errorf("writer: PRAGMA synchronous = %s, want 1 (NORMAL)", got)
	}
	if got := pragma(t, ctx, w, "query_only"); got != "0" {
		t.Errorf("writer: PRAGMA query_only = %s, want 0", got)
	}

	// Hold several reader connections at once, so that each is a distinct
	// connection and all of them are checked, not the same idle one.
	var conns []*sql.Conn
	for range 4 {
		c, err := s.readers.Conn(ctx)
		mustDo(t, "reader conn", err)
		conns = append(conns, c)
	}
	for i, c := range conns {
		for name, want := range common {
			if got := pragma(t, ctx, c, name); got != want {
				t.Errorf("reader %d: PRAGMA %s = %s, want %s", i, name, got, want)
			}
		}
		if got := pragma(t, ctx, c, "query_only"); got != "1" {
			t.Errorf("reader %d: PRAGMA query_only = %s, want 1", i, got)
		}
		if _, err := c.ExecContext(ctx, `DELETE FROM users`); err == nil {
			t.Errorf("reader %d: a DELETE succeeded on a query_only connection", i)
		}
		c.Close()
	}

	if n := s.writer.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool allows %d connections, want exactly 1", n)
	}
}

func TestForeignKeysCascadeAndRefuseDanglingRows(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, storage.Options{})
	c := testClient()
	mustDo(t, "CreateClient", s.CreateClient(ctx, c))
	a := storage.AuthRequest{ID: "ar", ClientID: c.ID, CreatedAt: epoch, ExpiresAt: epoch.Add(1e12)}
	mustDo(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, a))
	a.ID, a.ClientID = "ar2", "no-such-client"
	if err := s.CreateAuthRequest(ctx, a); !isNotFound(err) {
		t.Errorf("auth request of an unknown client: err = %v, want ErrNotFound", err)
	}
	mustDo(t, "DeleteClient", s.DeleteClient(ctx, c.ID))
	var n int
	mustDo(t, "count", s.readers.QueryRowContext(ctx, `SELECT count(*) FROM auth_requests`).Scan(&n))
	if n != 0 {
		t.Errorf("%d auth requests survived their client", n)
	}
}
