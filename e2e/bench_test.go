package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
	"github.com/latchkey-id/latchkey/internal/testserver"
)

// cpuTime is the CPU time this process has used so far, user and system.
// The process is the server and its clients together (and, on SQLite, the
// database); unlike ns/op it barely moves when other work shares the
// machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRig is a running Latchkey with one client app and people enrolled
// with a passkey each, ready for complete sign-ins.
type benchRig struct {
	counter  *testenv.StatementCounter
	people   []*testpasskey.Person
	conf     oauth2.Config
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	// ctx carries the HTTP client of the app's back channel (code
	// exchange, userinfo).
	ctx context.Context
}

// newBenchRig starts Latchkey on backend with n people. Every HTTP client
// (the people's browsers and the app's back channel) shares one transport
// that keeps enough idle connections for n concurrent flows, so that a
// parallel run measures sign-ins rather than TCP handshakes (the default
// transport keeps two per host).
func newBenchRig(b *testing.B, backend string, n int) *benchRig {
	b.Helper()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 4 * n
	b.Cleanup(transport.CloseIdleConnections)
	ctx := oidc.ClientContext(context.Background(), &http.Client{Transport: transport})

	r := &benchRig{counter: &testenv.StatementCounter{}, ctx: ctx}
	srv := testserver.Start(b, backend, testserver.WithPostgresTracer(r.counter))
	for i := range n {
		user, err := srv.Admin.CreateUser(ctx, admin.NewUser{Email: fmt.Sprintf("bench%d@example.com", i), Name: "Bench"})
		if err != nil {
			b.Fatal(err)
		}
		p := testpasskey.New(b, srv.URL)
		p.HTTP.Transport = transport
		p.Enroll(user.EnrollmentURL, nil)
		r.people = append(r.people, p)
	}
	c, err := srv.Admin.CreateClient(ctx, admin.NewClient{Name: "Bench", RedirectURIs: []string{rpRedirect}})
	if err != nil {
		b.Fatal(err)
	}
	r.provider, err = oidc.NewProvider(ctx, srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	r.conf = oauth2.Config{ClientID: c.Client.ID, ClientSecret: c.Secret, Endpoint: r.provider.Endpoint(),
		RedirectURL: rpRedirect, Scopes: []string{"openid", "profile", "email"}}
	r.verifier = r.provider.Verifier(&oidc.Config{ClientID: c.Client.ID})
	return r
}

// flow is one complete sign-in of p in a new browser (no session, so a
// passkey ceremony): /authorize → sign-in page → passkey begin/finish →
// callback → code exchange (ID token signed with RS256, verified) →
// userinfo. It returns its error, so it may run off the benchmark's
// goroutine.
func (r *benchRig) flow(p *testpasskey.Person) error {
	jar, _ := cookiejar.New(nil)
	p.HTTP.Jar = jar
	v := oauth2.GenerateVerifier()
	loc, err := p.TryAuthorize(r.conf.AuthCodeURL(secrets.ID(), oauth2.S256ChallengeOption(v)))
	if err != nil {
		return err
	}
	tok, err := r.conf.Exchange(r.ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		return fmt.Errorf("exchange: %w", err)
	}
	if _, err := r.verifier.Verify(r.ctx, tok.Extra("id_token").(string)); err != nil {
		return fmt.Errorf("ID token: %w", err)
	}
	if _, err := r.provider.UserInfo(r.ctx, oauth2.StaticTokenSource(tok)); err != nil {
		return fmt.Errorf("userinfo: %w", err)
	}
	return nil
}

// warm runs one flow per person, so that caches (keys, client, the
// verifier's JWKS) and connections are warm before the timer starts.
func (r *benchRig) warm(b *testing.B) {
	b.Helper()
	for _, p := range r.people {
		if err := r.flow(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFullSignIn measures one complete sign-in over real HTTP, one
// after another (see benchRig.flow). On PostgreSQL it reports the SQL
// statements one flow runs.
func BenchmarkFullSignIn(b *testing.B) {
	for _, backend := range testserver.Backends {
		b.Run(backend, func(b *testing.B) {
			r := newBenchRig(b, backend, 1)
			r.warm(b)
			before, cpu := r.counter.Count(), cpuTime()
			b.ResetTimer()
			for b.Loop() {
				if err := r.flow(r.people[0]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
			if backend == "postgres" {
				b.ReportMetric(float64(r.counter.Count()-before)/float64(b.N), "sql/op")
			}
		})
	}
}

// parallelSignIns is how many browsers sign in at once per CPU
// (b.SetParallelism): enough to keep both the CPUs and, on PostgreSQL, the
// commits in flight busy.
const parallelSignIns = 8

// BenchmarkFullSignInParallel is BenchmarkFullSignIn with
// parallelSignIns×GOMAXPROCS browsers signing in at once, each a different
// person, and reports the throughput in sign-ins per second.
func BenchmarkFullSignInParallel(b *testing.B) {
	for _, backend := range testserver.Backends {
		b.Run(backend, func(b *testing.B) {
			r := newBenchRig(b, backend, parallelSignIns*runtime.GOMAXPROCS(0))
			r.warm(b)
			var next atomic.Int64
			before, cpu := r.counter.Count(), cpuTime()
			b.SetParallelism(parallelSignIns)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				p := r.people[next.Add(1)-1]
				for pb.Next() {
					if err := r.flow(p); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
			b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
			if backend == "postgres" {
				b.ReportMetric(float64(r.counter.Count()-before)/float64(b.N), "sql/op")
			}
		})
	}
}
