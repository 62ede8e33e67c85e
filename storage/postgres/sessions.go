package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

const sessionColumns = `id, token_hash, user_id, auth_time, nullif(amr, '{}'), ip, user_agent, created_at, expires_at`

func scanSession(row pgx.Row) (storage.Session, error) {
	var s storage.Session
	err := row.Scan(&s.ID, &s.TokenHash, &s.UserID, ts(&s.AuthTime), &s.AMR, &s.IP, &s.UserAgent, ts(&s.CreatedAt), ts(&s.ExpiresAt))
	return s, err
}

// recordSignIn is RecordSignIn's one statement. Each step selects from the
// one before, so a step that matches nothing stops everything after it:
//
//   - pk locks the passkey, which must be the session user's, so that it
//     cannot vanish between the steps below;
//   - req completes the auth request ($6, NULL when none is asked for) under
//     the guards of CompleteAuthRequest;
//   - used writes the passkey's use, only if req succeeded or none was asked;
//   - events stores the sign-in's security events, only if used wrote;
//   - the final INSERT creates the session, only if used wrote.
//
// So the session exists exactly when everything was written: the statement
// inserts one row on success and none otherwise, and a failing insert (a
// taken session id or token hash) fails the whole statement.
var recordSignIn = `WITH pk AS (
	SELECT id FROM passkeys WHERE id = $1 AND user_id = $2 FOR UPDATE
), req AS (
	UPDATE auth_requests SET user_id = $2, auth_time = $3, amr = $4, session_id = $5, done = true
	WHERE id = $6 AND NOT done AND error = '' AND expires_at > $7 AND EXISTS (SELECT 1 FROM pk)
	RETURNING id
), used AS (
	UPDATE passkeys p SET sign_count = $8, clone_warning = $9, backup_state = $10, user_verified = $11, last_used_at = $12
	FROM pk WHERE p.id = pk.id AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM req))
	RETURNING p.id, p.user_id
), events AS (` + insertEvents(18, "used") + `)
INSERT INTO sessions (id, token_hash, user_id, auth_time, amr, ip, user_agent, created_at, expires_at)
SELECT $5::text, $13::bytea, $2::text, $3::timestamptz, $4::text[], $14::text, $15::text, $16::timestamptz, $17::timestamptz
FROM used`

// RecordSignIn writes one successful sign-in — the passkey's use, the new
// session and, if asked, the completion of the authorization request — in
// one statement, with its security events. When the request cannot be
// completed, or the passkey is not the session user's, it writes nothing
// and returns ErrNotFound. An event without a user is the session user's;
// one of another user is ErrConflict.
func (s *Store) RecordSignIn(ctx context.Context, in storage.SignIn) error {
	const op = "record sign-in"
	se, use := in.Session, in.Use
	es, err := storage.EventsFor(se.UserID, in.Events...)
	if err != nil {
		return wrap(op, err)
	}
	tag, err := s.pool.Exec(ctx, recordSignIn, append([]any{
		in.PasskeyID, se.UserID, se.AuthTime, list(se.AMR), se.ID, optional(in.AuthRequestID), s.now(),
		int64(use.SignCount), use.CloneWarning, use.BackupState, use.UserVerified, optionalTime(use.UsedAt),
		se.TokenHash, se.IP, se.UserAgent, se.CreatedAt, se.ExpiresAt}, eventArgs(es)...)...)
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}

// refreshSessionAuth is RefreshSessionAuth's one statement. target finds
// the unexpired session and the passkey together — the join requires the
// passkey to be the session user's — and locks both rows (FOR NO KEY
// UPDATE, which does not hold up the foreign key checks of rows that refer
// to them); both updates select from it, so either both happen or, when it
// matched nothing, neither.
const refreshSessionAuth = `WITH target AS (
	SELECT s.id AS session_id, p.id AS passkey_id FROM sessions s JOIN passkeys p ON p.user_id = s.user_id
	WHERE s.id = $1 AND s.expires_at > $4 AND p.id = $5
	FOR NO KEY UPDATE OF s, p
), stepped_up AS (
	UPDATE sessions s SET auth_time = $2, amr = $3 FROM target WHERE s.id = target.session_id
)
UPDATE passkeys p SET sign_count = $6, clone_warning = $7, backup_state = $8, user_verified = $9, last_used_at = $10
FROM target WHERE p.id = target.passkey_id`

// RefreshSessionAuth records a step-up ceremony in the session (AuthTime
// and AMR) and writes the passkey's use, in one statement. An unknown or
// expired session, or a passkey that is not the session user's, is
// ErrNotFound and writes nothing.
func (s *Store) RefreshSessionAuth(ctx context.Context, sessionID string, authTime time.Time, amr []string, passkeyID string, use storage.PasskeyUse) error {
	const op = "refresh session auth"
	tag, err := s.pool.Exec(ctx, refreshSessionAuth, sessionID, authTime, list(amr), s.now(), passkeyID,
		int64(use.SignCount), use.CloneWarning, use.BackupState, use.UserVerified, optionalTime(use.UsedAt))
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}

// SessionByToken returns the unexpired session with this token hash.
func (s *Store) SessionByToken(ctx context.Context, tokenHash []byte) (storage.Session, error) {
	se, err := scanSession(s.pool.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE token_hash = $1 AND expires_at > $2`, tokenHash, s.now()))
	return se, wrap("session by token", err)
}

// DeleteSession ends a session, and ON DELETE CASCADE forgets the clients
// it signed into; an unknown id is not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	return wrap("delete session", err)
}

// SessionClients returns the ids of the clients that redeemed a code issued
// in the session, each once, oldest first (client id breaks ties); nil for
// none or an unknown session. The rows live as long as the session's row.
func (s *Store) SessionClients(ctx context.Context, sessionID string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT client_id FROM session_clients WHERE session_id = $1
		ORDER BY created_at, client_id`, sessionID)
	if err != nil {
		return nil, wrap("session clients", err)
	}
	ids, err := collect(rows, func(row pgx.Row) (string, error) {
		var id string
		err := row.Scan(&id)
		return id, err
	})
	return ids, wrap("session clients", err)
}
