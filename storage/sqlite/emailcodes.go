package sqlite

import (
	"context"
	"crypto/subtle"

	"github.com/latchkey-id/latchkey/storage"
)

// SaveEmailCode stores the code for its email in one upsert, replacing any
// earlier code of that email together with its attempt count.
func (s *Store) SaveEmailCode(ctx context.Context, c storage.EmailCode) error {
	err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO email_codes (email, hash, auth_request_id, attempts, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (email) DO UPDATE SET hash = excluded.hash, auth_request_id = excluded.auth_request_id,
				attempts = excluded.attempts, created_at = excluded.created_at, expires_at = excluded.expires_at`,
			c.Email, c.Hash, nullString(c.AuthRequestID), c.Attempts, micros(c.CreatedAt), micros(c.ExpiresAt))
		return err
	})
	return wrap("save email code", err)
}

// ConsumeEmailCode checks a guess against the email's unexpired code, in
// one write transaction, so concurrent guesses take turns and each sees the
// attempts counted (or the deletion) of the one before: wrong guesses
// never exceed maxAttempts in total. The hashes are compared in constant
// time. A right guess — while fewer than maxAttempts wrong ones were made —
// deletes the code and returns it; a wrong one counts an attempt, or
// deletes the code when it is the maxAttempts-th, commits that and is
// ErrNotFound.
func (s *Store) ConsumeEmailCode(ctx context.Context, email string, hash []byte, maxAttempts int) (storage.EmailCode, error) {
	var (
		c     storage.EmailCode
		right bool
	)
	err := s.write(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `SELECT email, hash, auth_request_id, attempts, created_at, expires_at
			FROM email_codes WHERE email = ? AND expires_at > ?`, email, s.nowMicros()).
			Scan(&c.Email, &c.Hash, strCol{&c.AuthRequestID}, &c.Attempts, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt})
		if err != nil {
			return err
		}
		right = subtle.ConstantTimeCompare(c.Hash, hash) == 1 && c.Attempts < maxAttempts
		if right || c.Attempts+1 >= maxAttempts {
			_, err = tx.ExecContext(ctx, `DELETE FROM email_codes WHERE email = ?`, email)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE email_codes SET attempts = attempts + 1 WHERE email = ?`, email)
		}
		return err
	})
	switch {
	case err != nil:
		return storage.EmailCode{}, wrap("consume email code", err)
	case !right:
		return storage.EmailCode{}, wrap("consume email code", notFound("a right code"))
	}
	return c, nil
}
