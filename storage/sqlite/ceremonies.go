package sqlite

import (
	"context"

	"github.com/latchkey-id/latchkey/storage"
)

// CreateCeremony stores a ceremony; a taken hash is ErrAlreadyExists.
func (s *Store) CreateCeremony(ctx context.Context, c storage.Ceremony) error {
	err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ceremonies
			(hash, kind, auth_request_id, user_id, data, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			c.Hash, c.Kind, nullString(c.AuthRequestID), nullString(c.UserID), c.Data,
			micros(c.CreatedAt), micros(c.ExpiresAt))
		return err
	})
	return wrap("create ceremony", err)
}

// ConsumeCeremony deletes and returns the unexpired ceremony with this hash
// in one statement: of concurrent callers the first deletes the row and the
// rest match nothing (ErrNotFound). An expired ceremony is left for
// DeleteExpired.
func (s *Store) ConsumeCeremony(ctx context.Context, hash []byte) (storage.Ceremony, error) {
	var c storage.Ceremony
	err := s.write(ctx, func(tx *txn) error {
		return tx.QueryRowContext(ctx, `DELETE FROM ceremonies WHERE hash = ? AND expires_at > ?
			RETURNING hash, kind, auth_request_id, user_id, data, created_at, expires_at`,
			hash, s.nowMicros()).
			Scan(&c.Hash, &c.Kind, strCol{&c.AuthRequestID}, strCol{&c.UserID}, &c.Data,
				timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt})
	})
	if err != nil {
		return storage.Ceremony{}, wrap("consume ceremony", err)
	}
	return c, nil
}
