package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

const enrollmentColumns = `token_hash, coalesce(user_id, ''), purpose, coalesce(auth_request_id, ''), created_at, expires_at`

func scanEnrollment(row pgx.Row) (storage.Enrollment, error) {
	var e storage.Enrollment
	err := row.Scan(&e.TokenHash, &e.UserID, &e.Purpose, &e.AuthRequestID, ts(&e.CreatedAt), ts(&e.ExpiresAt))
	return e, err
}

// CreateEnrollment stores an enrollment link; a taken token hash is
// ErrAlreadyExists and an unknown user ErrNotFound.
func (s *Store) CreateEnrollment(ctx context.Context, e storage.Enrollment) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO enrollments (token_hash, user_id, purpose, auth_request_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		e.TokenHash, optional(e.UserID), e.Purpose, optional(e.AuthRequestID), e.CreatedAt, e.ExpiresAt)
	return wrap("create enrollment", err)
}

// Enrollment returns the unexpired, unused enrollment with this token hash
// (a used one no longer exists).
func (s *Store) Enrollment(ctx context.Context, tokenHash []byte) (storage.Enrollment, error) {
	e, err := scanEnrollment(s.pool.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments
		WHERE token_hash = $1 AND expires_at > $2`, tokenHash, s.now()))
	return e, wrap("enrollment", err)
}

// FinishEnrollment consumes the enrollment and stores its first passkey, in
// one transaction. Deleting the enrollment comes first and is the
// consumption: concurrent callers with the same token wait on its row lock,
// and once the winner commits they find no row (ErrNotFound). Any later
// failure rolls the deletion back, so a conflict or a taken credential id
// leaves the link usable.
func (s *Store) FinishEnrollment(ctx context.Context, tokenHash []byte, newUser *storage.User, p storage.Passkey) error {
	const op = "finish enrollment"
	err := s.inTx(ctx, func(q querier) error {
		var userID string
		err := q.QueryRow(ctx, `DELETE FROM enrollments WHERE token_hash = $1 AND expires_at > $2
			RETURNING coalesce(user_id, '')`, tokenHash, s.now()).Scan(&userID)
		if err != nil {
			return err
		}
		if userID != "" {
			// An invitation or recovery link: the passkey is its user's.
			if newUser != nil {
				return fmt.Errorf("the enrollment belongs to an existing user, yet a new user was given: %w", storage.ErrConflict)
			}
			if p.UserID != userID {
				return fmt.Errorf("the passkey is for user %q, the enrollment for %q: %w", p.UserID, userID, storage.ErrConflict)
			}
			return insertPasskey(ctx, q, p)
		}
		// The setup link: it creates its user, and no other setup link may
		// create a second one.
		if newUser == nil {
			return fmt.Errorf("the setup enrollment needs a new user: %w", storage.ErrConflict)
		}
		if p.UserID != newUser.ID {
			return fmt.Errorf("the passkey is for user %q, the new user is %q: %w", p.UserID, newUser.ID, storage.ErrConflict)
		}
		if _, err := q.Exec(ctx, insertUser, userArgs(*newUser)...); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `DELETE FROM enrollments WHERE user_id IS NULL`); err != nil {
			return err
		}
		return insertPasskey(ctx, q, p)
	})
	return wrap(op, err)
}
