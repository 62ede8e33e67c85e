package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/latchkey-id/latchkey/internal/testenv"
)

// cli runs the command in-process with its own environment.
type cli struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, env: map[string]string{"LATCHKEY_DATA_DIR": t.TempDir()}}
}

func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb, func(k string) string { return c.env[k] })
	return code, out.String(), errb.String()
}

func (c *cli) json(v any, args ...string) {
	c.t.Helper()
	code, out, errs := c.run(append(args, "--json")...)
	if code != 0 {
		c.t.Fatalf("latchkey %v = %d: %s", args, code, errs)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("latchkey %v printed %q: %v", args, out, err)
	}
}

func TestCommandsPrintJSON(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			c := newCLI(t)
			if backend == "postgres" {
				c.env["LATCHKEY_DATABASE_URL"] = testenv.PostgresDatabase(t)
			}
			c.env["LATCHKEY_ISSUER"] = "https://id.example.com"

			var user struct {
				ID            string `json:"id"`
				Email         string `json:"email"`
				EnrollmentURL string `json:"enrollment_url"`
			}
			c.json(&user, "users", "create", "--email", "Ada@Example.com", "--name", "Ada")
			if user.ID == "" || user.Email != "ada@example.com" || !strings.HasPrefix(user.EnrollmentURL, "https://id.example.com/enroll/") {
				t.Fatalf("users create printed %+v", user)
			}

			var conf struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
			}
			c.json(&conf, "clients", "create", "--name", "Wiki", "--redirect-uri", "https://wiki.example.com/cb", "--redirect-uri", "http://localhost:3000/cb")
			if conf.ClientID == "" || len(conf.ClientSecret) < 43 {
				t.Fatalf("confidential client printed %+v", conf)
			}
			var pub map[string]any
			c.json(&pub, "clients", "create", "--name", "CLI", "--public", "--redirect-uri", "http://127.0.0.1/cb")
			if _, has := pub["client_secret"]; has || pub["public"] != true {
				t.Fatalf("public client printed %v", pub)
			}
			// The environment twin of a repeatable flag holds a list.
			c.env["LATCHKEY_REDIRECT_URI"] = "https://a.example.com/cb,https://b.example.com/cb"
			var twin struct {
				RedirectURIs []string `json:"redirect_uris"`
			}
			c.json(&twin, "clients", "create", "--name", "Twin")
			delete(c.env, "LATCHKEY_REDIRECT_URI")
			if len(twin.RedirectURIs) != 2 {
				t.Fatalf("LATCHKEY_REDIRECT_URI gave %v", twin.RedirectURIs)
			}

			var clients struct{ Clients []map[string]any }
			c.json(&clients, "clients", "list")
			var users struct{ Users []map[string]any }
			c.json(&users, "users", "list")
			if len(clients.Clients) != 3 || len(users.Users) != 1 {
				t.Fatalf("lists hold %d clients and %d users", len(clients.Clients), len(users.Users))
			}
			for _, cl := range clients.Clients {
				if _, has := cl["client_secret"]; has {
					t.Fatal("clients list printed a secret")
				}
			}
			var del map[string]string
			c.json(&del, "clients", "delete", conf.ClientID)
			c.json(&del, "users", "delete", "ada@example.com")
			c.json(&clients, "clients", "list")
			c.json(&users, "users", "list")
			if len(clients.Clients) != 2 || len(users.Users) != 0 {
				t.Fatalf("after deletes: %d clients and %d users", len(clients.Clients), len(users.Users))
			}
			var mig struct {
				SchemaVersion int `json:"schema_version"`
			}
			c.json(&mig, "migrate")
			if mig.SchemaVersion < 1 {
				t.Fatalf("migrate printed version %d", mig.SchemaVersion)
			}
		})
	}
}

func TestBadInputPrintsOneLineAndFails(t *testing.T) {
	c := newCLI(t)
	c.json(&struct{}{}, "users", "create", "--email", "ada@example.com", "--name", "Ada")
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the one line on stderr
		code int
	}{
		{"an invalid redirect URI", []string{"clients", "create", "--name", "X", "--redirect-uri", "http://evil.example.com/cb"}, nil, "use https", 1},
		{"a relative redirect URI", []string{"clients", "create", "--name", "X", "--redirect-uri", "/cb"}, nil, "not absolute", 1},
		{"no redirect URI", []string{"clients", "create", "--name", "X"}, nil, "at least one redirect URI", 1},
		{"a duplicate email", []string{"users", "create", "--email", "ADA@example.com", "--name", "Ada"}, nil, "already exists", 1},
		{"a bad email", []string{"users", "create", "--email", "ada", "--name", "Ada"}, nil, "email is not a valid address", 1},
		{"an unknown user", []string{"users", "delete", "nobody@example.com"}, nil, "not found", 1},
		{"an unknown client", []string{"clients", "delete", "no-such-client"}, nil, "not found", 1},
		{"a missing master key with PostgreSQL", []string{"serve"}, map[string]string{"LATCHKEY_DATABASE_URL": "postgres://u:hunter2@127.0.0.1:1/x"}, "master key is not set", 1},
		{"a malformed master key", []string{"serve", "--master-key", "c2hvcnQ="}, nil, "master key is 5 bytes", 1},
		{"an unreachable database", []string{"users", "list", "--database-url", "postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=2"}, nil, "127.0.0.1", 1},
		{"a database URL of another kind", []string{"users", "list", "--database-url", "mysql://x"}, nil, "must start with postgres://", 1},
		{"an unknown command", []string{"frobnicate"}, nil, "unknown command", 2},
		{"an unknown subcommand", []string{"users", "frobnicate"}, nil, "unknown command", 2},
		{"a bad issuer", []string{"serve", "--issuer", "localhost:8080"}, nil, "must be an absolute", 1},
		{"a bad sign-up mode", []string{"serve", "--signup", "sometimes"}, nil, `--signup "sometimes": want invite or open`, 1},
		{"every policy problem at once", []string{"serve", "--user-verification", "never", "--synced-passkeys", "maybe", "--allowed-aaguid", "yubikey", "--related-origin", "https://x.example.com/path"}, nil,
			`--user-verification "never": want required or preferred; --synced-passkeys "maybe": want allowed or forbidden; --allowed-aaguid "yubikey" is not a UUID; --related-origin "https://x.example.com/path": want an origin`, 1},
		{"sign-up domains without open sign-up", []string{"serve", "--signup-domains", "example.com"}, nil, "--signup-domains needs --signup open", 1},
		{"a bad SMTP URL", []string{"serve", "--signup", "open", "--smtp-url", "ftp://mail.example.com"}, nil, "smtp", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			saved := c.env
			c.env = map[string]string{}
			for k, v := range saved {
				c.env[k] = v
			}
			for k, v := range tc.env {
				c.env[k] = v
			}
			code, _, stderr := c.run(tc.args...)
			c.env = saved
			if code != tc.code {
				t.Fatalf("exit code %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
			if tc.code == 1 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr has more than one line: %q", stderr)
			}
			if !strings.HasPrefix(first, "latchkey: ") || !strings.Contains(first, tc.want) {
				t.Errorf("stderr %q, want one line containing %q", stderr, tc.want)
			}
			if strings.Contains(stderr, "hunter2") {
				t.Errorf("stderr leaks the database password: %q", stderr)
			}
		})
	}
}

func TestServeRefusesAStoreItCannotUse(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	corrupt := t.TempDir()
	if err := os.WriteFile(filepath.Join(corrupt, "latchkey.db"), bytes.Repeat([]byte("garbage!"), 512), 0o600); err != nil {
		t.Fatal(err)
	}
	newer := t.TempDir()
	{
		c := newCLI(t)
		c.env["LATCHKEY_DATA_DIR"] = newer
		c.json(&struct{}{}, "migrate")
		db, err := sql.Open("sqlite", filepath.Join(newer, "latchkey.db"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	cases := []struct{ name, dir, want string }{
		{"an unwritable data directory", filepath.Join(notADir, "data"), notADir},
		{"a corrupt database file", corrupt, "not a SQLite database"},
		{"a database from a newer version", newer, "newer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var out, errb bytes.Buffer
			code := run(ctx, []string{"serve", "--listen", "127.0.0.1:0"}, &out, &errb, func(k string) string {
				return map[string]string{"LATCHKEY_DATA_DIR": tc.dir}[k]
			})
			stderr := strings.TrimSpace(errb.String())
			if code == 0 {
				t.Fatalf("serve exited 0 (stderr %q)", stderr)
			}
			if strings.Count(stderr, "\n") != 0 || !strings.HasPrefix(stderr, "latchkey: ") || !strings.Contains(stderr, tc.want) {
				t.Fatalf("stderr %q: want one line mentioning %q", stderr, tc.want)
			}
		})
	}
}

func TestKeysRotateKeepsTheOldKeyPublished(t *testing.T) {
	c := newCLI(t)
	var rotated struct {
		Rotated map[string]string `json:"rotated"`
	}
	c.json(&rotated, "keys", "rotate")
	if len(rotated.Rotated) != 2 || rotated.Rotated["RS256"] == "" || rotated.Rotated["ES256"] == "" {
		t.Fatalf("keys rotate printed %+v", rotated)
	}
	var list struct {
		Keys []struct {
			Kid     string `json:"kid"`
			Alg     string `json:"alg"`
			Retired string `json:"retired_at"`
			Until   string `json:"published_until"`
		} `json:"keys"`
	}
	c.json(&list, "keys", "list")
	retired := 0
	for _, k := range list.Keys {
		if k.Retired != "" {
			retired++
			if k.Until == "" {
				t.Errorf("retired key %s has no publication end", k.Kid)
			}
		}
	}
	if len(list.Keys) != 4 || retired != 2 {
		t.Fatalf("keys list shows %d keys, %d retired; want 4 and 2", len(list.Keys), retired)
	}
	if code, _, stderr := c.run("keys", "rotate", "--alg", "HS256"); code != 1 || !strings.Contains(stderr, "want RS256, ES256 or all") {
		t.Fatalf("keys rotate --alg HS256 = %d %q", code, stderr)
	}
}
