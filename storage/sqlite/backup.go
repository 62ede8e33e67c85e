package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the live database to path with VACUUM
// INTO, which reads inside one read transaction: the copy is the snapshot of
// one instant while sign-ins go on writing (in WAL mode that reader and the
// writer do not wait for each other). The copy is compacted,
// self-contained (no -wal file) and opens with Open like any database.
//
// An existing path is refused rather than overwritten, so a mistyped target
// cannot destroy a file. The file is created with mode 0600 (it holds
// hashes and encrypted keys) and synced before Backup returns.
func (s *Store) Backup(ctx context.Context, path string) error {
	if path == "" {
		return errors.New("sqlite: backup: no target path given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	// O_EXCL makes "refuse an existing file" atomic; VACUUM INTO accepts the
	// empty file created here.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sqlite: backup: %s already exists; choose a new file", abs)
	}
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	f.Close()

	if err := s.vacuumInto(ctx, abs); err != nil {
		os.Remove(abs)
		return wrap("backup to "+abs, err)
	}
	if err := syncFile(abs); err != nil {
		os.Remove(abs)
		return fmt.Errorf("sqlite: backup to %s: %w", abs, err)
	}
	return nil
}

// vacuumInto runs VACUUM INTO on a connection of its own. SQLite counts
// VACUUM as a write and the pool's readers are query_only, while the writer
// must stay free for sign-ins; a separate connection reads one snapshot of
// the WAL database and neither blocks nor is blocked by the writer.
func (s *Store) vacuumInto(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", dsn(s.path, url.Values{
		"_pragma": {fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds())},
	}))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}

// syncFile flushes the backup and its directory entry to disk, so the copy
// survives a power loss right after Backup returns.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}
