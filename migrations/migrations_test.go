package migrations

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedMigrationsLoad(t *testing.T) {
	for name, ms := range map[string][]Migration{"postgres": Postgres(), "sqlite": SQLite()} {
		if len(ms) == 0 {
			t.Errorf("%s: no migrations embedded", name)
		}
		for i, m := range ms {
			if m.Version != i+1 || strings.TrimSpace(m.SQL) == "" {
				t.Errorf("%s: migration %d is %+v", name, i+1, m)
			}
		}
	}
}

func TestLoadRefusesGapsAndBadNames(t *testing.T) {
	cases := map[string]fstest.MapFS{
		"a gap":       {"d/0001_a.sql": {Data: []byte("x")}, "d/0003_c.sql": {Data: []byte("x")}},
		"a bad name":  {"d/first.sql": {Data: []byte("x")}},
		"no name":     {"d/0001.sql": {Data: []byte("x")}},
		"a duplicate": {"d/0001_a.sql": {Data: []byte("x")}, "d/0001_b.sql": {Data: []byte("x")}},
	}
	for name, fsys := range cases {
		if _, err := load(fsys, "d"); err == nil {
			t.Errorf("%s: load succeeded", name)
		}
	}
}

func TestPendingRefusesANewerDatabase(t *testing.T) {
	all := []Migration{{Version: 1}, {Version: 2}}
	if p, err := Pending(all, 0); err != nil || len(p) != 2 {
		t.Fatalf("Pending(0) = %v, %v", p, err)
	}
	if p, err := Pending(all, 2); err != nil || len(p) != 0 {
		t.Fatalf("Pending(2) = %v, %v", p, err)
	}
	if _, err := Pending(all, 3); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Pending(3) error = %v, want a refusal", err)
	}
}
