package postgres

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The Go ↔ SQL value conventions of the package doc, in one place. Reads
// handle NULLs in SQL where that is simplest (coalesce for optional ids,
// nullif(…, '{}') so that an empty list scans as nil) and here for times.

// optional is an optional id: NULL for "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// optionalTime is an optional time: NULL for the zero time.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// list is a list of strings for a NOT NULL text[] column: nil becomes an
// empty array (pgx would send NULL).
func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// utcTime scans a timestamptz, NULL included, into a time.Time: UTC, with
// the database's microsecond precision, and the zero time for NULL.
type utcTime time.Time

// ts scans into *t.
func ts(t *time.Time) *utcTime { return (*utcTime)(t) }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (u *utcTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*u = utcTime{}
	case v.InfinityModifier != pgtype.Finite:
		return fmt.Errorf("timestamptz is %v, which no Go time represents", v.InfinityModifier)
	default:
		*u = utcTime(v.Time.UTC())
	}
	return nil
}
