package postgres

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/latchkey-id/latchkey/storage"
)

// SQLSTATE codes the store turns into sentinels or handles itself.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
	undefinedTable      = "42P01"
)

// wrap names the operation in err and, where the interface names a sentinel
// for the condition, puts that sentinel in place of the driver's error:
//
//   - no row                                → storage.ErrNotFound
//   - a unique or primary key violation     → storage.ErrAlreadyExists
//   - a foreign key naming a row that is not there (an unknown user or
//     client)                               → storage.ErrNotFound
//
// An error that already carries a sentinel keeps it.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrAlreadyExists), errors.Is(err, storage.ErrConflict):
		return fmt.Errorf("postgres: %s: %w", op, err)
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case uniqueViolation:
			return fmt.Errorf("postgres: %s: %s: %w", op, pe.ConstraintName, storage.ErrAlreadyExists)
		case foreignKeyViolation:
			return fmt.Errorf("postgres: %s: a referenced row does not exist (%s): %w", op, pe.ConstraintName, storage.ErrNotFound)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// notFound is the error for a conditional statement that matched no row.
func notFound(op string) error {
	return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
}

// connError is an Open failure: a one-line message from which every
// password has been removed. Unwrap still reaches the cause for errors.Is
// (a cancelled context, say); its own text is not for printing.
type connError struct {
	msg   string
	cause error
}

func (e *connError) Error() string { return e.msg }
func (e *connError) Unwrap() error { return e.cause }

// openError builds Open's error. pgx redacts passwords from its messages only
// on a best-effort basis (its docs say parse errors are not safe to show, and
// a malformed URL can leave part of a password in view), so a parse error
// keeps only pgx's reason, not its quote of the connection string; every
// password the URL could hold is removed from what remains; and multi-line
// dial errors (one line per address tried) are folded into one line.
func openError(what, rawURL string, cc *pgconn.Config, err error) error {
	msg := err.Error()
	var pce *pgconn.ParseConfigError
	if errors.As(err, &pce) {
		// pgx writes "cannot parse `<connection string>`: <reason>".
		if i := strings.LastIndex(msg, "`: "); i >= 0 {
			msg = msg[i+len("`: "):]
		}
	}
	for _, pw := range passwords(rawURL, cc) {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
		if esc := url.QueryEscape(pw); esc != pw {
			msg = strings.ReplaceAll(msg, esc, "xxxxx")
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	return &connError{msg: "postgres: " + what + ": " + msg, cause: err}
}

var (
	// userinfoPassword finds "user:password@" in a URL, even a malformed one
	// that url.Parse refuses: the password runs from the first ':' after the
	// scheme to the last '@' before the path, so an '@' in either part is kept.
	userinfoPassword = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://[^:/]*:([^/]*)@`)
	// keywordPassword finds password=… in a key=value string or a URL query.
	keywordPassword = regexp.MustCompile(`password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]+)`)
)

// passwords lists every password that rawURL or its parsed config holds.
func passwords(rawURL string, cc *pgconn.Config) []string {
	var pws []string
	add := func(pw string) {
		if pw = strings.Trim(pw, "'"); pw != "" {
			pws = append(pws, pw)
		}
	}
	if cc != nil {
		add(cc.Password)
	}
	if u, err := url.Parse(rawURL); err == nil && u.User != nil {
		pw, _ := u.User.Password()
		add(pw)
	}
	if m := userinfoPassword.FindStringSubmatch(rawURL); m != nil {
		add(m[1])
		if pw, err := url.PathUnescape(m[1]); err == nil {
			add(pw)
		}
	}
	for _, m := range keywordPassword.FindAllStringSubmatch(rawURL, -1) {
		add(m[1])
		if pw, err := url.QueryUnescape(m[1]); err == nil {
			add(pw)
		}
	}
	return pws
}
