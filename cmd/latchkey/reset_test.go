package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
	"github.com/latchkey-id/latchkey/server"
	"github.com/latchkey-id/latchkey/storage"
	"github.com/latchkey-id/latchkey/storage/postgres"
	"github.com/latchkey-id/latchkey/storage/sqlite"
)

// sharedServer is a running Latchkey on a store the CLI opens too, the
// way an operator runs both against one database.
type sharedServer struct {
	url   string
	store storage.Store
	srv   *server.Server
}

func startShared(t *testing.T, backend string, c *cli) sharedServer {
	t.Helper()
	ctx := context.Background()
	var st interface {
		storage.Store
		Migrate(context.Context) error
	}
	switch backend {
	case "postgres":
		dbURL := testenv.PostgresDatabase(t)
		c.env["LATCHKEY_DATABASE_URL"] = dbURL
		pg, err := postgres.Open(ctx, postgres.Config{URL: dbURL}, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st = pg
	default:
		sq, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(c.env["LATCHKEY_DATA_DIR"], "latchkey.db")}, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st = sq
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	issuer := "http://localhost:" + port
	srv, err := server.New(ctx, server.Config{
		Issuer: issuer, MasterKey: secrets.Bytes(32), Store: st,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	c.env["LATCHKEY_ISSUER"] = issuer
	return sharedServer{url: issuer, store: st, srv: srv}
}

// authRequest stores a sign-in for a client as /authorize would.
func (s sharedServer) authRequest(t *testing.T, clientID string) string {
	t.Helper()
	now := time.Now()
	a := storage.AuthRequest{
		ID: secrets.ID(), ClientID: clientID, RedirectURI: "https://app.example/cb", Scopes: []string{"openid"},
		ResponseType: "code", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", CodeChallengeMethod: "S256",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	}
	if err := s.store.CreateAuthRequest(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// sessionCookie is the person's browser session cookie at the server.
func sessionCookie(p *testpasskey.Person) string {
	u, _ := url.Parse(p.Issuer)
	for _, c := range p.HTTP.Jar.Cookies(u) {
		if c.Name == "latchkey_session" {
			return c.Value
		}
	}
	return ""
}

// An operator resets the passkeys of a person who lost all of them and
// their recovery codes: the JSON names the person and a new link; their
// passkeys, sessions and codes are gone; the old device no longer signs
// in; the link enrolls a new passkey (with new codes), once.
func TestUsersResetPasskeys(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			c := newCLI(t)
			s := startShared(t, backend, c)
			var created struct {
				ID            string `json:"id"`
				EnrollmentURL string `json:"enrollment_url"`
			}
			c.json(&created, "users", "create", "--email", "ada@example.com", "--name", "Ada")
			app, err := s.srv.Admin.CreateClient(ctx, admin.NewClient{Name: "Wiki", RedirectURIs: []string{"https://app.example/cb"}, Public: true})
			if err != nil {
				t.Fatal(err)
			}

			lost := testpasskey.New(t, s.url)
			lost.Enroll(created.EnrollmentURL, nil)
			if len(lost.RecoveryCodes) != 10 {
				t.Fatalf("first passkey came with %d codes", len(lost.RecoveryCodes))
			}
			lost.SignIn(s.authRequest(t, app.Client.ID), "")
			session := sessionCookie(lost)
			if _, err := s.store.SessionByToken(ctx, secrets.Hash(session)); err != nil {
				t.Fatalf("no session before the reset: %v", err)
			}

			var reset struct {
				ID            string `json:"id"`
				Email         string `json:"email"`
				EnrollmentURL string `json:"enrollment_url"`
			}
			c.json(&reset, "users", "reset-passkeys", "--email", "ADA@example.com")
			if reset.ID != created.ID || reset.Email != "ada@example.com" || !strings.HasPrefix(reset.EnrollmentURL, s.url+"/enroll/") ||
				reset.EnrollmentURL == created.EnrollmentURL {
				t.Fatalf("reset-passkeys printed %+v", reset)
			}

			if pks, err := s.store.PasskeysByUser(ctx, created.ID); err != nil || len(pks) != 0 {
				t.Errorf("passkeys after the reset: %v %v", pks, err)
			}
			if _, err := s.store.SessionByToken(ctx, secrets.Hash(session)); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("the session survived the reset: %v", err)
			}
			if codes, err := s.store.RecoveryCodes(ctx, created.ID); err != nil || len(codes) != 0 {
				t.Errorf("recovery codes after the reset: %d %v", len(codes), err)
			}
			events, err := s.store.SecurityEvents(ctx, created.ID, 10)
			if err != nil || !slices.ContainsFunc(events, func(e storage.SecurityEvent) bool { return e.Kind == admin.EventPasskeysReset }) {
				t.Errorf("events after the reset: %+v %v", events, err)
			}
			if _, err := lost.TrySignIn(s.authRequest(t, app.Client.ID), ""); err == nil || !strings.Contains(err.Error(), "unknown_credential") {
				t.Errorf("the old passkey after the reset: %v", err)
			}

			found := testpasskey.New(t, s.url)
			found.Enroll(reset.EnrollmentURL, nil)
			if len(found.RecoveryCodes) != 10 || found.RecoveryCodes[0] == lost.RecoveryCodes[0] {
				t.Errorf("the new first passkey came with codes %v", found.RecoveryCodes)
			}
			found.SignIn(s.authRequest(t, app.Client.ID), "")
			if res := found.Get(reset.EnrollmentURL); res.Status != 410 {
				t.Errorf("the used reset link answered %d", res.Status)
			}

			// The plain output, an id as the argument, and the mistakes.
			code, out, _ := c.run("users", "reset-passkeys", created.ID)
			if code != 0 || !strings.Contains(out, "ada@example.com") || !strings.Contains(out, s.url+"/enroll/") {
				t.Errorf("plain reset-passkeys = %d %q", code, out)
			}
			for _, bad := range []struct {
				args []string
				want string
			}{
				{[]string{"users", "reset-passkeys", "--email", "nobody@example.com"}, "not found"},
				{[]string{"users", "reset-passkeys"}, "usage"},
				{[]string{"users", "reset-passkeys", "--email", "ada@example.com", "extra"}, "usage"},
			} {
				code, _, stderr := c.run(bad.args...)
				if code != 1 || !strings.HasPrefix(stderr, "latchkey: ") || !strings.Contains(stderr, bad.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
					t.Errorf("%v = %d %q, want one line mentioning %q", bad.args, code, stderr, bad.want)
				}
			}
		})
	}
}
