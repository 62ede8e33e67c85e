package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	moderncsqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/latchkey-id/latchkey/storage"
)

// wrap gives err the operation's name and, where the interface names a
// sentinel for the condition, that sentinel in place of the driver's error:
//
//   - no row                         → storage.ErrNotFound
//   - a UNIQUE or PRIMARY KEY clash  → storage.ErrAlreadyExists
//   - a FOREIGN KEY failure          → storage.ErrNotFound (the user, client
//     or passkey the row refers to does not exist)
//
// Errors that already carry a sentinel pass through with the prefix, and a
// cancelled context reports the context's error rather than SQLite's
// "interrupted".
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrAlreadyExists), errors.Is(err, storage.ErrConflict):
		return fmt.Errorf("sqlite: %s: %w", op, err)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: %s: %w", op, storage.ErrNotFound)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	var se *moderncsqlite.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("sqlite: %s: %s taken: %w", op, constraintColumns(se), storage.ErrAlreadyExists)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("sqlite: %s: a referenced row does not exist: %w", op, storage.ErrNotFound)
	}
	if se.Code()&0xff == sqlite3.SQLITE_INTERRUPT {
		return fmt.Errorf("sqlite: %s: interrupted: %w", op, context.Canceled)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// constraintColumns extracts "users.email" from SQLite's "UNIQUE constraint
// failed: users.email (2067)", so the error says what was taken.
func constraintColumns(se *moderncsqlite.Error) string {
	msg := se.Error()
	const marker = "constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return "a unique value"
	}
	after := msg[i+len(marker):]
	if i := strings.LastIndex(after, " ("); i >= 0 {
		after = after[:i]
	}
	return after
}

// notFound is the error for a conditional statement that matched no row.
func notFound(what string) error {
	return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
}
