package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/latchkey-id/latchkey/storage"
)

// SaveAuthCode stores the one code of a completed authorization request.
// The INSERT … SELECT … WHERE EXISTS writes only for an unexpired, done
// request (zero rows is ErrNotFound); the UNIQUE auth_request_id makes a
// second code ErrAlreadyExists.
func (s *Store) SaveAuthCode(ctx context.Context, c storage.AuthCode) error {
	err := s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO auth_codes (hash, auth_request_id, created_at, expires_at, used_at)
			SELECT ?, ?, ?, ?, ?
			WHERE EXISTS (SELECT 1 FROM auth_requests WHERE id = ? AND done = 1 AND expires_at > ?)`,
			c.Hash, c.AuthRequestID, micros(c.CreatedAt), micros(c.ExpiresAt), nullMicros(c.UsedAt),
			c.AuthRequestID, s.nowMicros())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("completed auth request " + c.AuthRequestID)
		}
		return nil
	})
	return wrap("save auth code", err)
}

// AuthCode returns the code with this hash and its request, read in one
// snapshot. An unused code must be unexpired and its request must exist,
// unexpired (without it the code cannot be redeemed). A used code is
// returned whatever its age until DeleteExpired removes it, with its
// request if that still exists unexpired (else a zero AuthRequest), so the
// caller can recognise a replay and revoke the grant (FamilyID =
// AuthRequestID).
func (s *Store) AuthCode(ctx context.Context, hash []byte) (storage.AuthCode, storage.AuthRequest, error) {
	var (
		c storage.AuthCode
		a storage.AuthRequest
	)
	err := s.read(ctx, func(tx *txn) error {
		now := s.nowMicros()
		err := tx.QueryRowContext(ctx, `SELECT hash, auth_request_id, created_at, expires_at, used_at
			FROM auth_codes WHERE hash = ? AND (used_at IS NOT NULL OR expires_at > ?)`, hash, now).
			Scan(&c.Hash, &c.AuthRequestID, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, timeCol{&c.UsedAt})
		if err != nil {
			return err
		}
		a, err = scanAuthRequest(tx.QueryRowContext(ctx,
			`SELECT `+authRequestColumns+` FROM auth_requests WHERE id = ? AND expires_at > ?`, c.AuthRequestID, now))
		if errors.Is(err, sql.ErrNoRows) && !c.UsedAt.IsZero() {
			a, err = storage.AuthRequest{}, nil
		}
		return err
	})
	if err != nil {
		return storage.AuthCode{}, storage.AuthRequest{}, wrap("auth code", err)
	}
	return c, a, nil
}
