// Package migrations holds the SQL schema of each storage backend, embedded
// in the binary, and the rules for applying it.
//
// Files are named NNNN_description.sql, numbered from 0001 without gaps, and
// append-only: a released file is never edited, a change is a new file.
// Each backend applies every pending file in its own transaction and records
// its version; a database whose version is newer than the newest file here
// is refused, because an older binary cannot know what the newer schema means.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Migration is one schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Postgres returns the PostgreSQL migrations in order.
func Postgres() []Migration { return mustLoad("postgres") }

// SQLite returns the SQLite migrations in order.
func SQLite() []Migration { return mustLoad("sqlite") }

// Pending returns the migrations after version current. It fails when the
// database is newer than the newest migration known to this binary.
func Pending(all []Migration, current int) ([]Migration, error) {
	latest := 0
	if len(all) > 0 {
		latest = all[len(all)-1].Version
	}
	if current > latest {
		return nil, fmt.Errorf("database schema version %d is newer than this binary knows (%d): upgrade latchkey", current, latest)
	}
	return all[current:], nil
}

// mustLoad panics on a malformed file set: that is a build defect, caught by
// the package's tests, never a run-time condition.
func mustLoad(dir string) []Migration {
	ms, err := load(files, dir)
	if err != nil {
		panic(err)
	}
	return ms
}

func load(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	ms := make([]Migration, 0, len(names))
	for i, name := range names {
		base := path.Base(name)
		num, desc, ok := strings.Cut(strings.TrimSuffix(base, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || desc == "" {
			return nil, fmt.Errorf("migrations: %s: want NNNN_description.sql", name)
		}
		if v != i+1 {
			return nil, fmt.Errorf("migrations: %s: want version %d (no gaps, no repeats)", name, i+1)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: desc, SQL: string(body)})
	}
	return ms, nil
}
