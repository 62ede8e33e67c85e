package sqlite

import (
	"encoding/json"
	"fmt"
	"time"
)

// The schema's conventions, in one place: times are INTEGER microseconds
// since the Unix epoch (UTC), a nullable time is NULL for the zero time,
// optional ids are NULL for "", lists of strings are JSON arrays with NULL
// for an empty list, which reads back as nil. (Empty and nil lists are the
// same to every caller; reading both as nil keeps this store's answers
// identical to the PostgreSQL store's.)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// micros is a required time in the schema's unit. The zero time is stored
// as its (negative) microsecond count and read back as the zero time.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros is an optional time: NULL for the zero time.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// nullString is an optional id: NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonList encodes a list of strings; an empty list is NULL.
func jsonList(v []string) any {
	if len(v) == 0 {
		return nil
	}
	b, _ := json.Marshal(v) // a []string always marshals
	return string(b)
}

// timeCol scans an INTEGER microsecond column, NULL included, into a UTC
// time truncated to microseconds.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("time column holds %T", src)
	}
	return nil
}

// strCol scans a TEXT column that may be NULL ("" then).
type strCol struct{ s *string }

func (c strCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = v
	case []byte:
		*c.s = string(v)
	default:
		return fmt.Errorf("text column holds %T", src)
	}
	return nil
}

// listCol scans a JSON array column; NULL and [] are a nil list.
type listCol struct{ l *[]string }

func (c listCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*c.l = nil
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("list column holds %T", src)
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("list column: %w", err)
	}
	if len(l) == 0 {
		l = nil
	}
	*c.l = l
	return nil
}
