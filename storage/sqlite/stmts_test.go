package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/storage"
)

func TestAWriteTextIsPreparedAfterItsFirstTransactionAndReusedInTheNext(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, storage.Options{})
	const q = `INSERT INTO email_codes (email, hash, attempts, created_at, expires_at) VALUES (?, x'00', 0, 0, 0)`

	// The first transaction runs the text unprepared: preparing it then
	// would wait for the writer's one connection, which it holds.
	mustDo(t, "first write", s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, q, "a@example.com")
		if len(tx.missed) != 1 {
			t.Errorf("first use: missed = %q, want the text", tx.missed)
		}
		return err
	}))
	if s.writeStmts.cached(q) == nil {
		t.Fatal("the text is not prepared after its first transaction")
	}
	mustDo(t, "second write", s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, q, "b@example.com")
		if len(tx.missed) != 0 {
			t.Errorf("second use: missed = %q, want none", tx.missed)
		}
		return err
	}))
	var n int
	mustDo(t, "count", s.readers.QueryRowContext(ctx, `SELECT count(*) FROM email_codes`).Scan(&n))
	if n != 2 {
		t.Fatalf("%d rows, want both writes", n)
	}
}

func TestAReadTextIsPreparedOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, storage.Options{})
	c := testClient()
	mustDo(t, "CreateClient", s.CreateClient(ctx, c))
	for range 3 {
		got, err := s.Client(ctx, c.ID)
		mustDo(t, "Client", err)
		if got.ID != c.ID {
			t.Fatalf("Client = %+v", got)
		}
	}
	q := `SELECT ` + clientColumns + ` FROM clients WHERE id = ?`
	st := s.readStmts.cached(q)
	if st == nil {
		t.Fatal("Client's text is not prepared")
	}
	if _, err := s.Client(ctx, c.ID); err != nil || s.readStmts.cached(q) != st {
		t.Fatalf("a later call prepared the text again (err %v)", err)
	}
}

func TestATextSQLiteRefusesFailsAsBeforeAndIsNotKept(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, storage.Options{})
	const q = `SELECT 1 FROM nowhere`
	var v int
	err := s.readStmts.QueryRowContext(ctx, q).Scan(&v)
	if err == nil || !strings.Contains(err.Error(), "no such table") {
		t.Fatalf("err = %v, want SQLite's own \"no such table\"", err)
	}
	if s.readStmts.cached(q) != nil {
		t.Fatal("a text that does not prepare was kept")
	}
}

// TestFirstUseInManyTransactionsAtOnceDoesNotWait starts more read
// transactions at once than there are reader connections, each running a
// text for the first time; preparing inside them would take connections
// the others hold.
func TestFirstUseInManyTransactionsAtOnceDoesNotWait(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := newStore(t, storage.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range cap(errs) {
		wg.Go(func() {
			errs <- s.read(ctx, func(tx *txn) error {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
					return err
				}
				return tx.QueryRowContext(ctx, `SELECT count(*) FROM clients`).Scan(&n)
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestCloseClosesThePreparedStatements(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "latchkey.db")}, storage.Options{})
	mustDo(t, "Open", err)
	mustDo(t, "Migrate", s.Migrate(ctx))
	c := testClient()
	mustDo(t, "CreateClient", s.CreateClient(ctx, c))
	_, err = s.Client(ctx, c.ID)
	mustDo(t, "Client", err)
	var kept []*stmtCache
	for _, sc := range []*stmtCache{s.writeStmts, s.readStmts} {
		if len(sc.stmts) == 0 {
			t.Fatal("nothing was prepared")
		}
		kept = append(kept, sc)
	}
	w := s.writeStmts.cached(`INSERT INTO clients (` + clientColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if w == nil {
		t.Fatal("CreateClient's text is not prepared")
	}

	mustDo(t, "Close", s.Close())
	for _, sc := range kept {
		if len(sc.stmts) != 0 || !sc.closed {
			t.Errorf("after Close the cache holds %d statements (closed %v)", len(sc.stmts), sc.closed)
		}
	}
	if _, err := w.ExecContext(ctx); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("a statement after Close: err = %v, want it closed", err)
	}
}
