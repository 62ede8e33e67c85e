package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// TestConcurrentWritesAndReadsNeverFail runs a sign-in-shaped mix of writes
// and reads from 50 goroutines at once. Any error fails the test, and a
// "database is locked" one (SQLITE_BUSY) is named as the design failure it
// would be.
func TestConcurrentWritesAndReadsNeverFail(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, storage.Options{Now: func() time.Time { return epoch }})
	c := testClient()
	mustDo(t, "CreateClient", s.CreateClient(ctx, c))

	const goroutines, rounds = 50, 4 // 200 rounds, each several writes and reads
	var (
		wg     sync.WaitGroup
		failed atomic.Int64
	)
	fail := func(what string, err error) {
		failed.Add(1)
		if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "SQLITE_BUSY") {
			t.Errorf("%s: %v — the design promises no \"database is locked\"", what, err)
			return
		}
		t.Errorf("%s: %v", what, err)
	}
	start := make(chan struct{})
	for g := range goroutines {
		wg.Go(func() {
			<-start
			for r := range rounds {
				u := testUser()
				if err := s.CreateUser(ctx, u, nil); err != nil {
					fail("CreateUser", err)
					continue
				}
				hash := secrets.Bytes(32)
				if err := s.CreateCeremony(ctx, storage.Ceremony{Hash: hash, Kind: "login", UserID: u.ID,
					Data: []byte(`{}`), CreatedAt: epoch, ExpiresAt: epoch.Add(5 * time.Minute)}); err != nil {
					fail("CreateCeremony", err)
				}
				if _, err := s.User(ctx, u.ID); err != nil {
					fail("User", err)
				}
				if _, err := s.ConsumeCeremony(ctx, hash); err != nil {
					fail("ConsumeCeremony", err)
				}
				id := fmt.Sprintf("ar-%d-%d", g, r)
				if err := s.CreateAuthRequest(ctx, storage.AuthRequest{ID: id, ClientID: c.ID,
					CreatedAt: epoch, ExpiresAt: epoch.Add(time.Hour)}); err != nil {
					fail("CreateAuthRequest", err)
				}
				if _, err := s.AuthRequest(ctx, id); err != nil {
					fail("AuthRequest", err)
				}
				if _, err := s.ListUsers(ctx); err != nil {
					fail("ListUsers", err)
				}
				if _, err := s.CountUsers(ctx); err != nil {
					fail("CountUsers", err)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if failed.Load() > 0 {
		return
	}
	if n, err := s.CountUsers(ctx); err != nil || n != goroutines*rounds {
		t.Errorf("CountUsers = %d, %v; want %d", n, err, goroutines*rounds)
	}
}

// TestConcurrentRedeemCodeHasOneWinner races 50 redemptions of one code:
// exactly one stores its tokens, the others get ErrNotFound and store
// nothing.
func TestConcurrentRedeemCodeHasOneWinner(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, storage.Options{Now: func() time.Time { return epoch }})
	c, u := testClient(), testUser()
	mustDo(t, "CreateClient", s.CreateClient(ctx, c))
	mustDo(t, "CreateUser", s.CreateUser(ctx, u, nil))
	mustDo(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, storage.AuthRequest{ID: "ar", ClientID: c.ID,
		CreatedAt: epoch, ExpiresAt: epoch.Add(time.Hour)}))
	_, err := s.CompleteAuthRequest(ctx, "ar", storage.Completion{UserID: u.ID, AuthTime: epoch})
	mustDo(t, "CompleteAuthRequest", err)
	code := secrets.Bytes(32)
	mustDo(t, "SaveAuthCode", s.SaveAuthCode(ctx, storage.AuthCode{Hash: code, AuthRequestID: "ar",
		CreatedAt: epoch, ExpiresAt: epoch.Add(time.Minute)}))

	var (
		wg        sync.WaitGroup
		wins      atomic.Int64
		start     = make(chan struct{})
		unexpectd = make(chan error, 50)
	)
	for i := range 50 {
		wg.Go(func() {
			<-start
			at := storage.AccessToken{ID: fmt.Sprintf("at-%d", i), FamilyID: "ar", ClientID: c.ID, UserID: u.ID,
				CreatedAt: epoch, ExpiresAt: epoch.Add(time.Hour)}
			rt := storage.RefreshToken{ID: fmt.Sprintf("rt-%d", i), Hash: secrets.Bytes(32), FamilyID: "ar",
				ClientID: c.ID, UserID: u.ID, CreatedAt: epoch, ExpiresAt: epoch.Add(time.Hour)}
			switch err := s.RedeemCode(ctx, code, at, &rt); {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, storage.ErrNotFound):
			default:
				unexpectd <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(unexpectd)
	for err := range unexpectd {
		t.Errorf("RedeemCode: %v", err)
	}
	if wins.Load() != 1 {
		t.Fatalf("%d callers redeemed the code, want 1", wins.Load())
	}
	var tokens int
	mustDo(t, "count", s.readers.QueryRowContext(ctx,
		`SELECT (SELECT count(*) FROM access_tokens) + (SELECT count(*) FROM refresh_tokens)`).Scan(&tokens))
	if tokens != 2 {
		t.Errorf("%d tokens stored, want the winner's 2", tokens)
	}
}
