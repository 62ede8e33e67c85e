package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/latchkey-id/latchkey/storage"
)

const sessionColumns = `id, token_hash, user_id, auth_time, amr, ip, user_agent, created_at, expires_at`

// RecordSignIn writes one successful sign-in in one transaction: the
// passkey's use, the new session and, when asked, the completion of the
// authorization request, with the sign-in's security events. If the
// request cannot be completed, or the passkey is not the session user's,
// everything rolls back and the answer is ErrNotFound. An event without a
// user is the session user's; one of another user is ErrConflict.
func (s *Store) RecordSignIn(ctx context.Context, in storage.SignIn) error {
	now := s.nowMicros()
	se := in.Session
	es, err := storage.EventsFor(se.UserID, in.Events...)
	if err != nil {
		return wrap("record sign-in", err)
	}
	err = s.write(ctx, func(tx *txn) error {
		if err := usePasskey(ctx, tx, in.PasskeyID, se.UserID, in.Use); err != nil {
			return err
		}
		if err := insertEvents(ctx, tx, es...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			se.ID, se.TokenHash, se.UserID, nullMicros(se.AuthTime), jsonList(se.AMR), se.IP, se.UserAgent,
			micros(se.CreatedAt), micros(se.ExpiresAt)); err != nil {
			return err
		}
		if in.AuthRequestID == "" {
			return nil
		}
		_, err := completeAuthRequest(ctx, tx, in.AuthRequestID, storage.Completion{
			UserID:    se.UserID,
			AuthTime:  se.AuthTime,
			AMR:       se.AMR,
			SessionID: se.ID,
		}, now)
		return err
	})
	return wrap("record sign-in", err)
}

// RefreshSessionAuth records a step-up ceremony in the unexpired session
// (AuthTime and AMR) and writes the passkey's use, in one transaction. An
// unknown or expired session, or a passkey that is not the session user's,
// is ErrNotFound and rolls everything back.
func (s *Store) RefreshSessionAuth(ctx context.Context, sessionID string, authTime time.Time, amr []string, passkeyID string, use storage.PasskeyUse) error {
	err := s.write(ctx, func(tx *txn) error {
		var userID string
		err := tx.QueryRowContext(ctx, `UPDATE sessions SET auth_time = ?, amr = ? WHERE id = ? AND expires_at > ?
			RETURNING user_id`, nullMicros(authTime), jsonList(amr), sessionID, s.nowMicros()).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("unexpired session " + sessionID)
		}
		if err != nil {
			return err
		}
		return usePasskey(ctx, tx, passkeyID, userID, use)
	})
	return wrap("refresh session auth", err)
}

// SessionByToken returns the unexpired session with this token hash.
func (s *Store) SessionByToken(ctx context.Context, tokenHash []byte) (storage.Session, error) {
	var se storage.Session
	err := s.readStmts.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE token_hash = ? AND expires_at > ?`, tokenHash, s.nowMicros()).
		Scan(&se.ID, &se.TokenHash, &se.UserID, timeCol{&se.AuthTime}, listCol{&se.AMR}, &se.IP, &se.UserAgent,
			timeCol{&se.CreatedAt}, timeCol{&se.ExpiresAt})
	if err != nil {
		return storage.Session{}, wrap("session by token", err)
	}
	return se, nil
}

// DeleteSession ends a session, and ON DELETE CASCADE forgets the clients
// it signed into; an unknown id is not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
	return wrap("delete session", err)
}
