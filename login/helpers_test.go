package login

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/storage"
	"github.com/latchkey-id/latchkey/storage/postgres"
)

// testClock is the one clock of a test server: the store's and the
// handler's, so that a test can move time for both.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// lockedBuffer collects log output written from server goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testServer is the login Handler on a real PostgreSQL store behind a real
// HTTP server, reached as http://localhost:PORT (the WebAuthn origin; RP ID
// "localhost").
type testServer struct {
	t       *testing.T
	store   *postgres.Store
	dbURL   string
	clock   *testClock
	handler *Handler
	srv     *httptest.Server
	base    string
	logs    *lockedBuffer
	client  storage.Client
}

// newTestServer starts a server on a fresh database; edits change the
// store's Config (a statement tracer, say) before it opens.
func newTestServer(t *testing.T, edits ...func(*postgres.Config)) *testServer {
	t.Helper()
	return newTestServerFor(t, nil, edits...)
}

// newTestServerFor is newTestServer with the Handler changed by edit (a
// policy, say) before it is mounted.
func newTestServerFor(t *testing.T, edit func(*Handler), edits ...func(*postgres.Config)) *testServer {
	t.Helper()
	dbURL := testenv.PostgresDatabase(t)
	ctx := context.Background()
	clock := &testClock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	cfg := postgres.Config{URL: dbURL}
	for _, e := range edits {
		e(&cfg)
	}
	store, err := postgres.Open(ctx, cfg, storage.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}

	ts := &testServer{t: t, store: store, dbURL: dbURL, clock: clock, logs: &lockedBuffer{}}
	// The listener comes first: the WebAuthn origin needs its port.
	ts.srv = httptest.NewUnstartedServer(nil)
	port := ts.srv.Listener.Addr().(*net.TCPAddr).Port
	ts.base = "http://localhost:" + strconv.Itoa(port)

	wa, err := webauthn.New(&webauthn.Config{
		RPID:          "localhost",
		RPDisplayName: "Latchkey",
		RPOrigins:     []string{ts.base},
	})
	if err != nil {
		t.Fatalf("webauthn: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), ts.logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts.handler = &Handler{
		Store:       store,
		WebAuthn:    wa,
		Issuer:      ts.base,
		CallbackURL: func(id string) string { return ts.base + "/authorize/callback?id=" + url.QueryEscape(id) },
		Secret:      bytes.Repeat([]byte{0x42}, 32),
		Logger:      logger,
		Now:         clock.Now,
	}
	if edit != nil {
		edit(ts.handler)
	}
	r := chi.NewRouter()
	r.Use(httpx.RequestID, httpx.AccessLog(logger))
	ts.handler.Mount(r)
	// Stands in for the OP's /authorize/callback.
	r.Get("/authorize/callback", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><title>callback</title><p id="callback">callback reached</p>`)
	})
	ts.srv.Config.Handler = r
	ts.srv.Start()
	t.Cleanup(ts.srv.Close)

	ts.client = ts.createClient("Acme Wiki")
	return ts
}

// browser returns an HTTP client with its own cookie jar that dials the
// test server for "localhost" and does not follow redirects.
func (ts *testServer) browser() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	addr := ts.srv.Listener.Addr().String()
	return &http.Client{
		Jar: jar,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
}

func (ts *testServer) ctx() context.Context { return context.Background() }

func (ts *testServer) createClient(name string) storage.Client {
	c := storage.Client{ID: secrets.ID(), Name: name, RedirectURIs: []string{"https://app.example/cb"}, Public: true, CreatedAt: ts.clock.Now()}
	if err := ts.store.CreateClient(ts.ctx(), c); err != nil {
		ts.t.Fatalf("create client: %v", err)
	}
	return c
}

// newAuthRequest stores an authorization request as the OP would; edit
// changes it first.
func (ts *testServer) newAuthRequest(edit ...func(*storage.AuthRequest)) storage.AuthRequest {
	ts.t.Helper()
	now := ts.clock.Now()
	a := storage.AuthRequest{
		ID: secrets.ID(), ClientID: ts.client.ID, RedirectURI: "https://app.example/cb",
		Scopes: []string{"openid", "email"}, ResponseType: "code", State: "state-1",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", CodeChallengeMethod: "S256",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	}
	for _, e := range edit {
		e(&a)
	}
	if err := ts.store.CreateAuthRequest(ts.ctx(), a); err != nil {
		ts.t.Fatalf("create auth request: %v", err)
	}
	return a
}

func (ts *testServer) authRequest(id string) storage.AuthRequest {
	ts.t.Helper()
	a, err := ts.store.AuthRequest(ts.ctx(), id)
	if err != nil {
		ts.t.Fatalf("auth request %s: %v", id, err)
	}
	return a
}

// setupLink stores a setup enrollment (no user) and returns its token.
func (ts *testServer) setupLink() string {
	ts.t.Helper()
	token := secrets.Token()
	now := ts.clock.Now()
	if err := ts.store.CreateEnrollment(ts.ctx(), storage.Enrollment{TokenHash: secrets.Hash(token), Purpose: "setup", CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		ts.t.Fatalf("create setup enrollment: %v", err)
	}
	return token
}

// invite creates a person with an invitation link and returns both.
func (ts *testServer) invite(email, name string) (storage.User, string) {
	ts.t.Helper()
	token := secrets.Token()
	now := ts.clock.Now()
	u := storage.User{ID: secrets.ID(), WebAuthnID: secrets.Bytes(32), Email: email, Name: name, EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	err := ts.store.CreateUser(ts.ctx(), u, &storage.Enrollment{TokenHash: secrets.Hash(token), UserID: u.ID, Purpose: "invite", CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)})
	if err != nil {
		ts.t.Fatalf("create user: %v", err)
	}
	return u, token
}

// inviteLink adds another invitation for an existing person.
func (ts *testServer) inviteLink(u storage.User) string {
	ts.t.Helper()
	token := secrets.Token()
	now := ts.clock.Now()
	if err := ts.store.CreateEnrollment(ts.ctx(), storage.Enrollment{TokenHash: secrets.Hash(token), UserID: u.ID, Purpose: "invite", CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		ts.t.Fatalf("create enrollment: %v", err)
	}
	return token
}

// countRows counts a table's rows straight from the database, to prove
// that a refused request wrote nothing the Store API cannot list.
func (ts *testServer) countRows(table string) int {
	ts.t.Helper()
	conn, err := pgx.Connect(ts.ctx(), ts.dbURL)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer conn.Close(ts.ctx())
	var n int
	if err := conn.QueryRow(ts.ctx(), "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		ts.t.Fatal(err)
	}
	return n
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("status %d, body %q is not a JSON object: %v", r.status, r.body, err)
	}
	return m
}

func (ts *testServer) do(c *http.Client, method, path, contentType string, body []byte) response {
	ts.t.Helper()
	return ts.doWith(c, method, path, contentType, body, nil)
}

func (ts *testServer) post(c *http.Client, path string, v any) response {
	ts.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		ts.t.Fatal(err)
	}
	return ts.do(c, http.MethodPost, path, "application/json", b)
}

func (ts *testServer) get(c *http.Client, path string) response {
	ts.t.Helper()
	return ts.do(c, http.MethodGet, path, "", nil)
}

// cookie returns the value of the named cookie in the client's jar.
func (ts *testServer) cookie(c *http.Client, name string) string {
	u, _ := url.Parse(ts.base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}
