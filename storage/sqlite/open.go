package sqlite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	moderncsqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// header is how every SQLite 3 database file begins.
var header = []byte("SQLite format 3\x00")

// prepareFile checks, before SQLite sees the path, the conditions SQLite
// itself reports vaguely ("unable to open database file", "file is not a
// database"): it returns the absolute path of a regular, writable file that
// is empty or starts with the SQLite header, in a writable directory. A
// missing file is created with mode 0600, since the store holds hashes and
// encrypted keys that other local users have no business reading.
func prepareFile(path string) (string, error) {
	if path == "" {
		return "", errors.New("sqlite: no database path given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite: %s: %w", path, err)
	}
	info, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		// ENOTDIR: a parent is a regular file; MkdirAll names which.
		if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
			return "", fmt.Errorf("sqlite: cannot create the directory for %s: %w", abs, err)
		}
		f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return "", fmt.Errorf("sqlite: cannot create %s: %w", abs, reason(err))
		}
		if err := f.Close(); err != nil {
			return "", fmt.Errorf("sqlite: cannot create %s: %w", abs, reason(err))
		}
	case err != nil:
		return "", fmt.Errorf("sqlite: cannot use %s: %w", abs, reason(err))
	case info.IsDir():
		return "", fmt.Errorf("sqlite: %s is a directory, not a database file", abs)
	case !info.Mode().IsRegular():
		return "", fmt.Errorf("sqlite: %s is not a regular file", abs)
	default:
		if err := checkHeader(abs); err != nil {
			return "", err
		}
	}
	// SQLite creates the -wal and -shm files beside the database, so the
	// directory must be writable too, and a read-only one is better named
	// now than as "unable to open database file" at the first write.
	probe, err := os.CreateTemp(filepath.Dir(abs), ".latchkey-probe-*")
	if err != nil {
		return "", fmt.Errorf("sqlite: the directory of %s is not writable: %w", abs, reason(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return abs, nil
}

// checkHeader opens an existing file for writing, which proves it writable,
// and refuses one that is neither empty (SQLite's way of starting a new
// database) nor an SQLite database.
func checkHeader(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("sqlite: cannot open %s for writing: %w", path, reason(err))
	}
	defer f.Close()
	buf := make([]byte, len(header))
	n, err := io.ReadFull(f, buf)
	switch {
	case n == 0 && (err == io.EOF || err == nil):
		return nil
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("sqlite: cannot read %s: %w", path, reason(err))
	case !bytes.Equal(buf[:n], header):
		return fmt.Errorf("sqlite: %s is not a SQLite database", path)
	}
	return nil
}

// reason strips the "open /path" that an *fs.PathError repeats, since the
// message already names the file; errors.Is still sees the errno.
func reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// openError turns a driver error met while opening into one line naming the
// file; the conditions prepareFile could not see (a damaged file with a
// good header, a lock it cannot take) land here.
func openError(path string, err error) error {
	var se *moderncsqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("sqlite: %s is not a SQLite database", path)
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("sqlite: %s is corrupt (restore it from a backup)", path)
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_AUTH:
			return fmt.Errorf("sqlite: cannot open %s for writing: %s", path, se.Error())
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("sqlite: %s is locked by another process for longer than %s", path, busyTimeout)
		}
	}
	return fmt.Errorf("sqlite: cannot open %s: %w", path, err)
}
