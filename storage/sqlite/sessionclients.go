package sqlite

import (
	"context"
)

// recordSessionClient is RedeemCode's last step: when the spent code's
// request was completed in a browser session that still exists, it records
// that the session signed into the request's client, once per pair (the
// first redemption's time stays). A session already ended is skipped, so
// its foreign key cannot fail the redemption; with every write on the one
// writer connection, nothing can end it between this statement and the
// commit.
func recordSessionClient(ctx context.Context, tx *txn, requestID string, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO session_clients (session_id, client_id, created_at)
		SELECT s.id, r.client_id, ? FROM auth_requests r JOIN sessions s ON s.id = r.session_id
		WHERE r.id = ?
		ON CONFLICT (session_id, client_id) DO NOTHING`, now, requestID)
	return err
}

// SessionClients returns the ids of the clients that redeemed a code issued
// in the session, each once, oldest first (client id breaks ties); nil for
// none or an unknown session. The rows live as long as the session's row.
func (s *Store) SessionClients(ctx context.Context, sessionID string) ([]string, error) {
	rows, err := s.readStmts.QueryContext(ctx, `SELECT client_id FROM session_clients WHERE session_id = ?
		ORDER BY created_at, client_id`, sessionID)
	if err != nil {
		return nil, wrap("session clients", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("session clients", err)
		}
		ids = append(ids, id)
	}
	return ids, wrap("session clients", rows.Err())
}
