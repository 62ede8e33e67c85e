package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/migrations"
	"github.com/latchkey-id/latchkey/storage"
	"github.com/latchkey-id/latchkey/storage/postgres"
	"github.com/latchkey-id/latchkey/storage/storagetest"
)

// TestConformance runs the storage suite on one fresh database for the
// run, each case in a fresh schema of its own: every statement of the
// store names its tables unqualified, so search_path gives each case an
// empty, migrated database in all but name, without paying a CREATE
// DATABASE per case.
func TestConformance(t *testing.T) {
	dbURL := testenv.PostgresDatabase(t)
	storagetest.Run(t, func(t *testing.T, opts storage.Options) storage.Store {
		s := open(t, freshSchema(t, dbURL), opts)
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return s
	})
}

// freshSchema creates an empty schema in the database at dbURL and returns
// dbURL with its search_path set to it; the schema is dropped when the test
// ends (after the store is closed), so that dropping the database at the
// end of the run stays quick. The URL also asks the pool to open four
// connections at once (pgx opens them lazily), so that the suite's
// concurrent callers really overlap instead of queueing for the first one.
func freshSchema(t *testing.T, dbURL string) string {
	t.Helper()
	name := "case_" + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(secrets.ID()))
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	schema := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	q.Set("pool_min_conns", "4")
	u.RawQuery = q.Encode()
	return u.String()
}

// open opens a store on url that is closed when the test ends.
func open(t testing.TB, url string, opts storage.Options) *postgres.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, postgres.Config{URL: url}, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func latest() int { return len(migrations.Postgres()) }

func TestMigrateTwiceChangesNothing(t *testing.T) {
	s := open(t, testenv.PostgresDatabase(t), storage.Options{})
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != 0 {
		t.Fatalf("a new database: SchemaVersion = %d, %v; want 0", v, err)
	}
	for i := range 2 {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate #%d: %v", i+1, err)
		}
		if v, err := s.SchemaVersion(t.Context()); err != nil || v != latest() {
			t.Fatalf("after Migrate #%d: SchemaVersion = %d, %v; want %d", i+1, v, err, latest())
		}
	}
}

func TestMigrateRefusesANewerDatabase(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	s := open(t, url, storage.Options{})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	newer := latest() + 1
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from_the_future', now())`, newer); err != nil {
		t.Fatal(err)
	}
	err = s.Migrate(t.Context())
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), fmt.Sprint(newer)) {
		t.Fatalf("Migrate on a version %d database: error = %v, want a refusal naming the version", newer, err)
	}
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != newer {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, newer)
	}
}

func TestConcurrentMigrateAppliesEachMigrationOnce(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	const replicas = 6
	stores := make([]*postgres.Store, replicas)
	for i := range stores {
		stores[i] = open(t, url, storage.Options{}) // one pool each, as separate replicas have
	}
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	start := make(chan struct{})
	for i, s := range stores {
		wg.Go(func() {
			<-start
			errs[i] = s.Migrate(t.Context())
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: Migrate: %v", i, err)
		}
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows, max int
	if err := conn.QueryRow(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &max); err != nil {
		t.Fatal(err)
	}
	if rows != latest() || max != latest() {
		t.Fatalf("schema_migrations holds %d rows up to version %d, want %d", rows, max, latest())
	}
}

func TestOpenFailsWithOneLineWithoutThePassword(t *testing.T) {
	const pw = "s3cret-Pa55"
	cases := map[string]string{
		"an unreachable server":             "postgres://latchkey:" + pw + "@127.0.0.1:1/latchkey?sslmode=disable&connect_timeout=5",
		"a name with several addresses":     "postgres://latchkey:" + pw + "@localhost:1/latchkey?sslmode=disable&connect_timeout=5",
		"a bad port":                        "postgres://latchkey:" + pw + "@127.0.0.1:notaport/latchkey",
		"a malformed URL":                   "postgres://latchkey:" + pw + "@[127.0.0.1/latchkey",
		"an '@' in the user name":           "postgres://lat@chkey:s3c@" + pw + "@127.0.0.1:notaport/latchkey",
		"an escaped password":               "postgres://latchkey:" + pw + "%2F@127.0.0.1:1:2/latchkey",
		"an unknown option":                 "postgres://latchkey:" + pw + "@127.0.0.1:1/latchkey?sslmode=bogus",
		"key=value with a bad port":         "host=127.0.0.1 port=x user=latchkey password=" + pw,
		"key=value, quoted, unterminated":   "host=127.0.0.1 user=latchkey password='" + pw,
		"key=value, unreachable":            "host=127.0.0.1 port=1 user=latchkey password=" + pw + " connect_timeout=5",
		"a database that does not exist":    "postgres://postgres:" + pw + "@127.0.0.1:5432/latchkey_no_such_database?sslmode=disable",
		"a scheme the driver does not know": "mysql://latchkey:" + pw + "@127.0.0.1/latchkey",
	}
	for name, url := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			s, err := postgres.Open(ctx, postgres.Config{URL: url}, storage.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			t.Log(msg)
			if strings.Contains(msg, pw) || strings.Contains(msg, "Pa55") {
				t.Errorf("the error shows the password: %s", msg)
			}
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "postgres: ") {
				t.Errorf("want one line starting with \"postgres: \", got %q", msg)
			}
		})
	}
}
