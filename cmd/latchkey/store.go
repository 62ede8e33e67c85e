package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/latchkey-id/latchkey/keys"
	"github.com/latchkey-id/latchkey/storage"
	"github.com/latchkey-id/latchkey/storage/postgres"
	"github.com/latchkey-id/latchkey/storage/sqlite"
)

// dbFlags are the database settings every command shares.
type dbFlags struct {
	url     string
	dataDir string
}

func addDBFlags(f *flags) *dbFlags {
	d := &dbFlags{}
	f.StringVar(&d.url, "database-url", "", "PostgreSQL URL (postgres://…); empty selects the embedded SQLite store in --data-dir")
	f.StringVar(&d.dataDir, "data-dir", ".", "directory of the embedded store (latchkey.db) and its generated master key")
	f.secret("database-url") // it may carry a password
	return d
}

func (d *dbFlags) postgres() bool {
	return strings.HasPrefix(d.url, "postgres://") || strings.HasPrefix(d.url, "postgresql://")
}

func (d *dbFlags) sqlitePath() string { return filepath.Join(d.dataDir, "latchkey.db") }

// store is an open store; sqlite is set for the embedded one.
type store struct {
	storage.Store
	sqlite *sqlite.Store
}

// open connects to the configured store and brings its schema up to date
// (each pending migration in its own transaction; a newer database is
// refused).
func (d *dbFlags) open(ctx context.Context) (*store, error) {
	var s store
	switch {
	case d.postgres():
		pg, err := postgres.Open(ctx, postgres.Config{URL: d.url}, storage.Options{})
		if err != nil {
			return nil, err
		}
		if err := pg.Migrate(ctx); err != nil {
			pg.Close()
			return nil, fmt.Errorf("migrate database: %w", err)
		}
		s.Store = pg
	case d.url == "":
		sq, err := sqlite.Open(ctx, sqlite.Config{Path: d.sqlitePath()}, storage.Options{})
		if err != nil {
			return nil, err
		}
		if err := sq.Migrate(ctx); err != nil {
			sq.Close()
			return nil, fmt.Errorf("migrate database: %w", err)
		}
		s.Store, s.sqlite = sq, sq
	default:
		return nil, errors.New("--database-url must start with postgres:// (or be empty for the embedded store)")
	}
	return &s, nil
}

// openWithKey opens the store and returns the master key with where it
// came from. A given or required key is checked before any connection is
// made; the embedded store's key file is read once the data directory is
// known to be usable.
func (d *dbFlags) openWithKey(ctx context.Context, given string) (*store, []byte, string, error) {
	if err := d.checkMasterKey(given); err != nil {
		return nil, nil, "", err
	}
	st, err := d.open(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	key, source, err := d.masterKey(given)
	if err != nil {
		st.Close()
		return nil, nil, "", err
	}
	return st, key, source, nil
}

// checkMasterKey fails early on a malformed key, or on a missing one
// where it is required.
func (d *dbFlags) checkMasterKey(given string) error {
	if given != "" {
		_, err := keys.ParseMasterKey(given)
		return err
	}
	if d.postgres() {
		return keys.ErrNoMasterKey
	}
	return nil
}

// masterKey returns the master key. With PostgreSQL it must be given,
// because every replica has to share it. With the embedded store, a
// missing key is generated once into a file beside the database (mode
// 0600) and read from there afterwards.
func (d *dbFlags) masterKey(given string) (key []byte, source string, err error) {
	if given != "" {
		k, err := keys.ParseMasterKey(given)
		return k, "LATCHKEY_MASTER_KEY", err
	}
	if d.postgres() {
		return nil, "", keys.ErrNoMasterKey
	}
	path := filepath.Join(d.dataDir, "latchkey.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createKeyFile(path)
	}
	if err != nil {
		return nil, "", fmt.Errorf("read master key file: %w", err)
	}
	k, err := keys.ParseMasterKey(string(b))
	if err != nil {
		return nil, "", fmt.Errorf("master key file %s: %w", path, err)
	}
	return k, "key file " + path, nil
}

// createKeyFile writes a new master key with O_EXCL, so two processes
// starting together cannot both create one; the loser reads the winner's.
func createKeyFile(path string) ([]byte, string, error) {
	encoded := keys.NewMasterKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("read master key file: %w", err)
		}
		k, err := keys.ParseMasterKey(string(b))
		return k, "key file " + path, err
	}
	if err != nil {
		return nil, "", fmt.Errorf("create master key file: %w", err)
	}
	if _, err := f.WriteString(encoded + "\n"); err != nil {
		f.Close()
		return nil, "", fmt.Errorf("write master key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, "", fmt.Errorf("write master key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, "", fmt.Errorf("write master key file: %w", err)
	}
	k, err := keys.ParseMasterKey(encoded)
	return k, "new key file " + path, err
}
