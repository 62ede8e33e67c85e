package e2e

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"sync/atomic"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
	"github.com/latchkey-id/latchkey/internal/testserver"
)

// statementCounter counts the SQL statements the PostgreSQL store runs.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// BenchmarkFullSignIn measures one complete sign-in over real HTTP:
// /authorize → sign-in page → passkey begin/finish → callback → code
// exchange (ID token signed with RS256) → userinfo. Each iteration is a new
// browser (no session), so each runs the passkey ceremony. On PostgreSQL it
// reports the SQL statements one flow runs.
func BenchmarkFullSignIn(b *testing.B) {
	for _, backend := range testserver.Backends {
		b.Run(backend, func(b *testing.B) {
			counter := &statementCounter{}
			srv := testserver.Start(b, backend, testserver.WithPostgresTracer(counter))
			ctx := context.Background()
			user, err := srv.Admin.CreateUser(ctx, admin.NewUser{Email: "bench@example.com", Name: "Bench"})
			if err != nil {
				b.Fatal(err)
			}
			p := testpasskey.New(b, srv.URL)
			p.Enroll(user.EnrollmentURL, nil)
			c, err := srv.Admin.CreateClient(ctx, admin.NewClient{Name: "Bench", RedirectURIs: []string{rpRedirect}})
			if err != nil {
				b.Fatal(err)
			}
			provider, err := oidc.NewProvider(ctx, srv.URL)
			if err != nil {
				b.Fatal(err)
			}
			conf := oauth2.Config{ClientID: c.Client.ID, ClientSecret: c.Secret, Endpoint: provider.Endpoint(),
				RedirectURL: rpRedirect, Scopes: []string{"openid", "profile", "email"}}
			verifier := provider.Verifier(&oidc.Config{ClientID: c.Client.ID})

			flow := func() {
				jar, _ := cookiejar.New(nil)
				p.HTTP.Jar = jar // a new browser: no session, so a ceremony
				v := oauth2.GenerateVerifier()
				loc := p.Authorize(conf.AuthCodeURL(secrets.ID(), oauth2.S256ChallengeOption(v)))
				tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := verifier.Verify(ctx, tok.Extra("id_token").(string)); err != nil {
					b.Fatal(err)
				}
				if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
					b.Fatal(err)
				}
			}
			flow() // warm caches (keys, client, JWKS in the verifier)
			before := counter.n.Load()
			b.ResetTimer()
			for b.Loop() {
				flow()
			}
			b.StopTimer()
			if backend == "postgres" {
				b.ReportMetric(float64(counter.n.Load()-before)/float64(b.N), "sql/op")
			}
			http.DefaultClient.CloseIdleConnections()
		})
	}
}
