package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/migrations"
	"github.com/latchkey-id/latchkey/storage"
)

func TestOpenRefusesWhatItCannotUseWithOneClearLine(t *testing.T) {
	cases := []struct {
		name string
		// path prepares the situation and returns the path to open.
		path func(t *testing.T) string
		want string
	}{
		{
			name: "a file of random bytes is not a database",
			path: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "latchkey.db")
				mustDo(t, "write", os.WriteFile(p, secrets.Bytes(8192), 0o600))
				return p
			},
			want: "is not a SQLite database",
		},
		{
			name: "a short text file is not a database",
			path: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "latchkey.db")
				mustDo(t, "write", os.WriteFile(p, []byte("hello\n"), 0o600))
				return p
			},
			want: "is not a SQLite database",
		},
		{
			name: "a file with the SQLite header and garbage after it is refused",
			path: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "latchkey.db")
				mustDo(t, "write", os.WriteFile(p, append([]byte("SQLite format 3\x00"), secrets.Bytes(8192)...), 0o600))
				return p
			},
			want: "latchkey.db",
		},
		{
			name: "a directory is not a database file",
			path: func(t *testing.T) string { return t.TempDir() },
			want: "is a directory",
		},
		{
			// Works as root too, where permissions do not stop writes: no
			// one can create a directory under a regular file.
			name: "a path under a regular file cannot be created",
			path: func(t *testing.T) string {
				f := filepath.Join(t.TempDir(), "file")
				mustDo(t, "write", os.WriteFile(f, nil, 0o600))
				return filepath.Join(f, "x", "latchkey.db")
			},
			want: "cannot create the directory",
		},
		{
			name: "an empty path is refused",
			path: func(t *testing.T) string { return "" },
			want: "no database path",
		},
	}
	if os.Geteuid() != 0 {
		cases = append(cases, struct {
			name string
			path func(t *testing.T) string
			want string
		}{
			name: "a read-only directory is not writable",
			path: func(t *testing.T) string {
				d := filepath.Join(t.TempDir(), "ro")
				mustDo(t, "mkdir", os.Mkdir(d, 0o500))
				t.Cleanup(func() { os.Chmod(d, 0o700) })
				return filepath.Join(d, "latchkey.db")
			},
			want: "cannot create",
		})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path(t)
			s, err := Open(context.Background(), Config{Path: path}, storage.Options{})
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", path)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "sqlite: ") {
				t.Errorf("Open(%q) error = %q, want one line starting \"sqlite: \" and containing %q", path, msg, tc.want)
			}
		})
	}
}

func TestOpenAndMigrateRefuseANewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "latchkey.db")
	latest := len(migrations.SQLite())

	s, err := Open(ctx, Config{Path: path}, storage.Options{})
	mustDo(t, "Open", err)
	mustDo(t, "Migrate", s.Migrate(ctx))
	// What a newer Latchkey would leave behind.
	_, err = s.writer.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)`, latest+1)
	mustDo(t, "insert", err)
	if err := s.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Errorf("Migrate on a newer schema: err = %v, want a refusal", err)
	}
	mustDo(t, "Close", s.Close())

	s, err = Open(ctx, Config{Path: path}, storage.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "newer than this binary") || !strings.Contains(msg, path) || strings.Contains(msg, "\n") {
		t.Errorf("Open of a newer schema: error = %q, want one line naming the path and the reason", msg)
	}
}

func TestMigrateAppliesEachFileOnceAndRecordsIt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "latchkey.db")
	s, err := Open(ctx, Config{Path: path}, storage.Options{})
	mustDo(t, "Open", err)
	defer s.Close()

	if v, err := s.SchemaVersion(ctx); err != nil || v != 0 {
		t.Fatalf("SchemaVersion of a new file = %d, %v; want 0", v, err)
	}
	mustDo(t, "Migrate", s.Migrate(ctx))
	mustDo(t, "Migrate again", s.Migrate(ctx))
	all := migrations.SQLite()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(all) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(all))
	}
	rows, err := s.readers.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	mustDo(t, "query", err)
	defer rows.Close()
	i := 0
	for rows.Next() {
		var v int
		var name string
		mustDo(t, "scan", rows.Scan(&v, &name))
		if i >= len(all) || v != all[i].Version || name != all[i].Name {
			t.Errorf("schema_migrations row %d = (%d, %s)", i, v, name)
		}
		i++
	}
	if i != len(all) {
		t.Errorf("%d migrations recorded, want %d", i, len(all))
	}
	// Every table is STRICT: a wrong type is an error, not a coercion.
	if _, err := s.writer.ExecContext(ctx, `INSERT INTO clients (id, name, public, created_at) VALUES ('x', 'n', 0, 'yesterday')`); err == nil {
		t.Error("a text created_at was accepted; want STRICT tables")
	}
}

func TestOpenCreatesTheFilePrivateAndAcceptsAnAwkwardPath(t *testing.T) {
	ctx := context.Background()
	// '?', '#' and '%' mean something in a file: URI; the store must still
	// open the file named so, creating its directory.
	path := filepath.Join(t.TempDir(), "data dir", "odd?name#with%25.db")
	s := openStore(t, path, storage.Options{})
	mustDo(t, "CreateUser", s.CreateUser(ctx, testUser(), nil))
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the database is not at %q: %v", path, err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("database file mode = %v, want 0600", perm)
	}
}
