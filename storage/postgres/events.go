package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

const eventColumns = `id, user_id, kind, coalesce(passkey_id, ''), ip, user_agent, detail, created_at`

func scanEvent(row pgx.Row) (storage.SecurityEvent, error) {
	var e storage.SecurityEvent
	err := row.Scan(&e.ID, &e.UserID, &e.Kind, &e.PasskeyID, &e.IP, &e.UserAgent, &e.Detail, ts(&e.CreatedAt))
	return e, err
}

// insertEvents is a CTE body (or a statement) that stores the events passed
// as the eight arrays $n…$n+7 of eventArgs once for each row of from, a CTE
// with a user_id column: so they are written exactly when the change they
// record was. An event without a user gets from's user_id.
func insertEvents(n int, from string) string {
	return fmt.Sprintf(`INSERT INTO security_events (id, user_id, kind, passkey_id, ip, user_agent, detail, created_at)
		SELECT e.id, coalesce(nullif(e.user_id, ''), g.user_id), e.kind, nullif(e.passkey_id, ''),
			e.ip, e.user_agent, e.detail, e.created_at
		FROM %s g, unnest($%d::text[], $%d::text[], $%d::text[], $%d::text[], $%d::text[], $%d::text[],
			$%d::text[], $%d::timestamptz[]) AS e(id, user_id, kind, passkey_id, ip, user_agent, detail, created_at)`,
		from, n, n+1, n+2, n+3, n+4, n+5, n+6, n+7)
}

// eventArgs are the parameters of insertEvents, one array per column.
func eventArgs(es []storage.SecurityEvent) []any {
	var (
		ids, users, kinds, passkeys = make([]string, len(es)), make([]string, len(es)), make([]string, len(es)), make([]string, len(es))
		ips, agents, details        = make([]string, len(es)), make([]string, len(es)), make([]string, len(es))
		created                     = make([]time.Time, len(es))
	)
	for i, e := range es {
		ids[i], users[i], kinds[i], passkeys[i] = e.ID, e.UserID, e.Kind, e.PasskeyID
		ips[i], agents[i], details[i], created[i] = e.IP, e.UserAgent, e.Detail, e.CreatedAt
	}
	return []any{ids, users, kinds, passkeys, ips, agents, details, created}
}

// RecordEvent stores one security event. An unknown user is ErrNotFound, a
// taken id ErrAlreadyExists.
func (s *Store) RecordEvent(ctx context.Context, e storage.SecurityEvent) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO security_events (id, user_id, kind, passkey_id, ip, user_agent, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.ID, e.UserID, e.Kind, optional(e.PasskeyID), e.IP, e.UserAgent, e.Detail, e.CreatedAt)
	return wrap("record event", err)
}

// SecurityEvents returns the user's newest events first (of events at the
// same instant, the greater id first), at most limit; a limit below 1
// returns none, and none is a nil slice.
func (s *Store) SecurityEvents(ctx context.Context, userID string, limit int) ([]storage.SecurityEvent, error) {
	if limit < 1 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM security_events WHERE user_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, wrap("security events", err)
	}
	es, err := collect(rows, scanEvent)
	return es, wrap("security events", err)
}
