package sqlite

import (
	"context"

	"github.com/latchkey-id/latchkey/storage"
)

const eventColumns = `id, user_id, kind, passkey_id, ip, user_agent, detail, created_at`

// insertEvents stores events inside a write transaction.
func insertEvents(ctx context.Context, tx *txn, es ...storage.SecurityEvent) error {
	for _, e := range es {
		if _, err := tx.ExecContext(ctx, `INSERT INTO security_events (`+eventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.UserID, e.Kind, nullString(e.PasskeyID), e.IP, e.UserAgent, e.Detail, micros(e.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

// RecordEvent stores one security event. An unknown user is ErrNotFound, a
// taken id ErrAlreadyExists.
func (s *Store) RecordEvent(ctx context.Context, e storage.SecurityEvent) error {
	err := s.write(ctx, func(tx *txn) error { return insertEvents(ctx, tx, e) })
	return wrap("record event", err)
}

// SecurityEvents returns the user's newest events first (of events at the
// same instant, the greater id first), at most limit; a limit below 1
// returns none, and none is a nil slice.
func (s *Store) SecurityEvents(ctx context.Context, userID string, limit int) ([]storage.SecurityEvent, error) {
	if limit < 1 {
		return nil, nil
	}
	rows, err := s.readStmts.QueryContext(ctx, `SELECT `+eventColumns+` FROM security_events WHERE user_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, wrap("security events", err)
	}
	defer rows.Close()
	var es []storage.SecurityEvent
	for rows.Next() {
		var e storage.SecurityEvent
		if err := rows.Scan(&e.ID, &e.UserID, &e.Kind, strCol{&e.PasskeyID}, &e.IP, &e.UserAgent, &e.Detail,
			timeCol{&e.CreatedAt}); err != nil {
			return nil, wrap("security events", err)
		}
		es = append(es, e)
	}
	return es, wrap("security events", rows.Err())
}
