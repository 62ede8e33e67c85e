package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
	"github.com/latchkey-id/latchkey/internal/testserver"
)

// TestFiftyConcurrentSignIns runs 50 complete sign-ins at once —
// authorize → passkey → token → userinfo, each a different person — and
// requires every one to succeed: the embedded store's single writer must
// never surface "database is locked", nor PostgreSQL's pool any error.
func TestFiftyConcurrentSignIns(t *testing.T) {
	const n = 50
	for _, backend := range testserver.Backends {
		t.Run(backend, func(t *testing.T) {
			srv := testserver.Start(t, backend)
			ctx := context.Background()
			rp := newRelyingParty(t, srv, false)
			people := make([]*testpasskey.Person, n)
			for i := range people {
				u, err := srv.Admin.CreateUser(ctx, admin.NewUser{Email: fmt.Sprintf("p%d@example.com", i), Name: fmt.Sprintf("Person %d", i)})
				if err != nil {
					t.Fatal(err)
				}
				people[i] = testpasskey.New(t, srv.URL)
				people[i].Enroll(u.EnrollmentURL, nil)
			}

			errs := make(chan error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for _, p := range people {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs <- signInOnce(ctx, rp, p)
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			failed := 0
			for err := range errs {
				if err != nil {
					failed++
					t.Error(err)
				}
			}
			if failed > 0 {
				t.Fatalf("%d of %d concurrent sign-ins failed", failed, n)
			}
		})
	}
}

// signInOnce is one full flow without testing.T (it runs in a goroutine).
func signInOnce(ctx context.Context, rp relyingParty, p *testpasskey.Person) error {
	v := oauth2.GenerateVerifier()
	state := secrets.ID()
	loc, err := p.TryAuthorize(rp.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(v)))
	if err != nil {
		return err
	}
	if loc.Query().Get("state") != state || loc.Query().Get("code") == "" {
		return fmt.Errorf("authorization answered %s", loc)
	}
	tok, err := rp.oauth.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		return fmt.Errorf("exchange: %w", err)
	}
	if _, err := rp.verifier.Verify(ctx, tok.Extra("id_token").(string)); err != nil {
		return fmt.Errorf("ID token: %w", err)
	}
	info, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return fmt.Errorf("userinfo: %w", err)
	}
	if info.Subject == "" {
		return fmt.Errorf("userinfo without sub")
	}
	return nil
}
