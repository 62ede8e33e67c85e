package sqlite

import (
	"context"
	"database/sql"

	"github.com/latchkey-id/latchkey/storage"
)

const sessionColumns = `id, token_hash, user_id, auth_time, amr, ip, user_agent, created_at, expires_at`

// RecordSignIn writes one successful sign-in in one transaction: the
// passkey's use, the new session and, when asked, the completion of the
// authorization request. If the request cannot be completed, or the passkey
// is not the session user's, everything rolls back and the answer is
// ErrNotFound.
func (s *Store) RecordSignIn(ctx context.Context, in storage.SignIn) error {
	now := s.nowMicros()
	err := s.write(ctx, func(tx *sql.Tx) error {
		se := in.Session
		if err := usePasskey(ctx, tx, in.PasskeyID, se.UserID, in.Use); err != nil {
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

// SessionByToken returns the unexpired session with this token hash.
func (s *Store) SessionByToken(ctx context.Context, tokenHash []byte) (storage.Session, error) {
	var se storage.Session
	err := s.readers.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
	return wrap("delete session", err)
}
