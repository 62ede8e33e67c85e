// Package testenv gives tests the real parts they need — a fresh PostgreSQL
// database, a Chromium binary — and applies the project's rule when a part
// is missing: skip with a printed reason, or fail when
// LATCHKEY_TEST_REQUIRE=all (CI sets it).
package testenv

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/internal/secrets"
)

// DefaultPostgresURL is used when LATCHKEY_TEST_POSTGRES_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Missing skips the test because a part is absent, or fails it when the
// environment requires every part.
func Missing(t testing.TB, part string, err error) {
	t.Helper()
	if required(part) {
		t.Fatalf("%s is required (LATCHKEY_TEST_REQUIRE=%s) but unavailable: %v", part, os.Getenv("LATCHKEY_TEST_REQUIRE"), err)
	}
	t.Skipf("skipping: %s unavailable: %v (set LATCHKEY_TEST_REQUIRE=all to fail instead)", part, err)
}

func required(part string) bool {
	for _, p := range strings.Split(os.Getenv("LATCHKEY_TEST_REQUIRE"), ",") {
		if p = strings.TrimSpace(p); p == "all" || p == part {
			return true
		}
	}
	return false
}

// PostgresDatabase creates a fresh, empty database on the test server and
// returns its URL; the database is dropped when the test ends.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv("LATCHKEY_TEST_POSTGRES_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err == nil {
		err = admin.Ping(ctx)
	}
	if err != nil {
		Missing(t, "postgres", err)
		return ""
	}
	defer admin.Close(context.Background())

	name := "latchkey_test_" + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(secrets.ID()))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("LATCHKEY_TEST_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Chromium returns the path of the Chromium binary (LATCHKEY_TEST_CHROMIUM,
// else chromium on PATH, else /usr/bin/chromium), or skips or fails.
func Chromium(t testing.TB) string {
	t.Helper()
	candidates := []string{os.Getenv("LATCHKEY_TEST_CHROMIUM"), "chromium", "chromium-browser", "/usr/bin/chromium"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	Missing(t, "chromium", fmt.Errorf("no chromium binary found (install Debian's chromium package)"))
	return ""
}
