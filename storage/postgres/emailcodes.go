package postgres

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/latchkey-id/latchkey/storage"
)

// SaveEmailCode stores the code for its email in one upsert, replacing any
// earlier code of that email together with its attempt count.
func (s *Store) SaveEmailCode(ctx context.Context, c storage.EmailCode) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO email_codes (email, hash, auth_request_id, attempts, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (email) DO UPDATE SET hash = excluded.hash, auth_request_id = excluded.auth_request_id,
			attempts = excluded.attempts, created_at = excluded.created_at, expires_at = excluded.expires_at`,
		c.Email, c.Hash, optional(c.AuthRequestID), c.Attempts, c.CreatedAt, c.ExpiresAt)
	return wrap("save email code", err)
}

// ConsumeEmailCode checks a guess against the email's unexpired code, in
// one transaction. The SELECT … FOR UPDATE makes concurrent guesses take
// turns on the row: each sees the attempts counted (or the deletion
// committed) by the one before, so wrong guesses never exceed maxAttempts
// in total. The hashes are compared in constant time. A right guess — while
// fewer than maxAttempts wrong ones were made — deletes the code and
// returns it; a wrong one counts an attempt, or deletes the code when it is
// the maxAttempts-th, commits that and is ErrNotFound.
func (s *Store) ConsumeEmailCode(ctx context.Context, email string, hash []byte, maxAttempts int) (storage.EmailCode, error) {
	const op = "consume email code"
	var (
		c     storage.EmailCode
		right bool
	)
	err := s.inTx(ctx, func(q querier) error {
		err := q.QueryRow(ctx, `SELECT email, hash, coalesce(auth_request_id, ''), attempts, created_at, expires_at
			FROM email_codes WHERE email = $1 AND expires_at > $2 FOR UPDATE`, email, s.now()).
			Scan(&c.Email, &c.Hash, &c.AuthRequestID, &c.Attempts, ts(&c.CreatedAt), ts(&c.ExpiresAt))
		if err != nil {
			return err
		}
		right = subtle.ConstantTimeCompare(c.Hash, hash) == 1 && c.Attempts < maxAttempts
		if right || c.Attempts+1 >= maxAttempts {
			_, err = q.Exec(ctx, `DELETE FROM email_codes WHERE email = $1`, email)
		} else {
			_, err = q.Exec(ctx, `UPDATE email_codes SET attempts = attempts + 1 WHERE email = $1`, email)
		}
		return err
	})
	switch {
	case err != nil:
		return storage.EmailCode{}, wrap(op, err)
	case !right:
		return storage.EmailCode{}, fmt.Errorf("postgres: %s: a wrong code: %w", op, storage.ErrNotFound)
	}
	return c, nil
}
