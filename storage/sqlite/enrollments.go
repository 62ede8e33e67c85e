package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/latchkey-id/latchkey/storage"
)

func insertEnrollment(ctx context.Context, tx *txn, e storage.Enrollment) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO enrollments
		(token_hash, user_id, purpose, auth_request_id, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		e.TokenHash, nullString(e.UserID), e.Purpose, nullString(e.AuthRequestID),
		micros(e.CreatedAt), micros(e.ExpiresAt))
	return err
}

// CreateEnrollment stores an enrollment link; a taken token hash is
// ErrAlreadyExists, an unknown user ErrNotFound.
func (s *Store) CreateEnrollment(ctx context.Context, e storage.Enrollment) error {
	err := s.write(ctx, func(tx *txn) error { return insertEnrollment(ctx, tx, e) })
	return wrap("create enrollment", err)
}

// Enrollment returns the unexpired, unused enrollment with this token hash
// (a used one no longer exists).
func (s *Store) Enrollment(ctx context.Context, tokenHash []byte) (storage.Enrollment, error) {
	var e storage.Enrollment
	err := s.readStmts.QueryRowContext(ctx, `SELECT token_hash, user_id, purpose, auth_request_id, created_at, expires_at
		FROM enrollments WHERE token_hash = ? AND expires_at > ?`, tokenHash, s.nowMicros()).
		Scan(&e.TokenHash, strCol{&e.UserID}, &e.Purpose, strCol{&e.AuthRequestID},
			timeCol{&e.CreatedAt}, timeCol{&e.ExpiresAt})
	if err != nil {
		return storage.Enrollment{}, wrap("enrollment", err)
	}
	return e, nil
}

// errWrongUser is FinishEnrollment's ErrConflict: the arguments contradict
// the enrollment they claim to finish.
var errWrongUser = fmt.Errorf("the passkey's user does not match the enrollment: %w", storage.ErrConflict)

// FinishEnrollment consumes the enrollment and stores its first passkey in
// one transaction. The DELETE … RETURNING is the single-use step: of
// concurrent callers with one token the first removes the row and the
// others find nothing. Any later failure (a taken credential id or email, a
// mismatched user) rolls the DELETE back, so nothing is consumed.
func (s *Store) FinishEnrollment(ctx context.Context, tokenHash []byte, newUser *storage.User, p storage.Passkey) error {
	err := s.write(ctx, func(tx *txn) error {
		var userID sql.NullString
		err := tx.QueryRowContext(ctx, `DELETE FROM enrollments WHERE token_hash = ? AND expires_at > ?
			RETURNING user_id`, tokenHash, s.nowMicros()).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("enrollment")
		}
		if err != nil {
			return err
		}
		if !userID.Valid {
			// The setup link: it creates its user, and the first admin
			// made makes every other setup link pointless.
			if newUser == nil || p.UserID != newUser.ID {
				return errWrongUser
			}
			if err := insertUser(ctx, tx, *newUser); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM enrollments WHERE user_id IS NULL`); err != nil {
				return err
			}
		} else if newUser != nil || p.UserID != userID.String {
			return errWrongUser
		}
		return insertPasskey(ctx, tx, p)
	})
	return wrap("finish enrollment", err)
}
