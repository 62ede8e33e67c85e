package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/storage"
)

func syncCommit(t *testing.T, ctx context.Context, q querier) string {
	t.Helper()
	var v string
	if err := q.QueryRow(ctx, `SELECT current_setting('synchronous_commit')`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCommitAsyncAppliesToItsOwnTransactionOnly shows the mechanism inside
// an explicit transaction, where it can be watched: a statement ending in
// commitAsync turns synchronous_commit off for its transaction when it
// writes a row, and the connection is back to synchronous commits once
// that transaction ends.
func TestCommitAsyncAppliesToItsOwnTransactionOnly(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Config{URL: testenv.PostgresDatabase(t), MaxConns: 1}, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if got := syncCommit(t, ctx, conn); got != "on" {
		t.Fatalf("synchronous_commit = %s before anything ran, want the server's on", got)
	}

	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO ceremonies (hash, kind, data, created_at, expires_at)
			VALUES ($1, 'login', '{}', now(), now())`+commitAsync, secrets.Bytes(32)); err != nil {
			return err
		}
		if got := syncCommit(t, ctx, tx); got != "off" {
			t.Errorf("in the transaction of a row written with commitAsync: synchronous_commit = %s, want off", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := syncCommit(t, ctx, conn); got != "on" {
		t.Fatalf("after that transaction: synchronous_commit = %s, want on again", got)
	}

	// A statement that writes nothing has nothing to commit, and leaves
	// the setting alone.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM auth_requests WHERE id = 'none'`+commitAsync); err != nil {
			return err
		}
		if got := syncCommit(t, ctx, tx); got != "on" {
			t.Errorf("after a statement that wrote nothing: synchronous_commit = %s, want on", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAsyncMethodsLeaveTheConnectionSynchronous runs every method that
// commits asynchronously on a pool of one connection and checks, after
// each, that the connection commits synchronously again: the statements
// that consume or issue something (RecordSignIn, RedeemCode …) must never
// inherit the setting.
func TestAsyncMethodsLeaveTheConnectionSynchronous(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Config{URL: testenv.PostgresDatabase(t), MaxConns: 1}, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	client := storage.Client{ID: secrets.ID(), SecretHash: secrets.Bytes(32), Name: "app", RedirectURIs: []string{"https://app.example/cb"}, CreatedAt: now}
	user := storage.User{ID: secrets.ID(), WebAuthnID: secrets.Bytes(64), Email: "ada@example.com", Name: "Ada", CreatedAt: now, UpdatedAt: now}
	a := storage.AuthRequest{ID: secrets.ID(), ClientID: client.ID, RedirectURI: client.RedirectURIs[0], CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	steps := []struct {
		name string
		run  func() error
	}{
		{"%s", func() error { return s.CreateClient(ctx, client) }},
		{"%s", func() error { return s.CreateUser(ctx, user, nil) }},
		{"%s", func() error { return s.CreateAuthRequest(ctx, a) }},
		{"%s", func() error {
			return s.CreateCeremony(ctx, storage.Ceremony{Hash: secrets.Bytes(32), Kind: "login", AuthRequestID: a.ID,
				Data: []byte(`{}`), CreatedAt: now, ExpiresAt: now.Add(time.Minute)})
		}},
		{"%s", func() error {
			_, err := s.CompleteAuthRequest(ctx, a.ID, storage.Completion{UserID: user.ID, AuthTime: now})
			return err
		}},
		{"%s", func() error {
			return s.SaveAuthCode(ctx, storage.AuthCode{Hash: secrets.Bytes(32), AuthRequestID: a.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)})
		}},
		{"%s", func() error { return s.DeleteAuthRequest(ctx, a.ID) }},
	}
	for _, step := range steps {
		if err := step.run(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := syncCommit(t, ctx, s.pool); got != "on" {
			t.Fatalf("after %s: synchronous_commit = %s on the pool's one connection, want on", step.name, got)
		}
	}
}
