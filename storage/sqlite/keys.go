package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey-id/latchkey/storage"
)

const signingKeyColumns = `id, algorithm, private_key, public_key, created_at, retired_at, expires_at`

// SigningKeys returns every key not past its ExpiresAt (active keys have
// none), newest first; nil when there are none.
func (s *Store) SigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	rows, err := s.readStmts.QueryContext(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys
		WHERE expires_at IS NULL OR expires_at > ?
		ORDER BY created_at DESC, id DESC`, s.nowMicros())
	if err != nil {
		return nil, wrap("signing keys", err)
	}
	defer rows.Close()
	var keys []storage.SigningKey
	for rows.Next() {
		var k storage.SigningKey
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.PublicKey,
			timeCol{&k.CreatedAt}, timeCol{&k.RetiredAt}, timeCol{&k.ExpiresAt}); err != nil {
			return nil, wrap("signing keys", err)
		}
		keys = append(keys, k)
	}
	return keys, wrap("signing keys", rows.Err())
}

// insertSigningKey stores k after checking, under the write lock, that its
// algorithm has no active key: the partial unique index would refuse it
// anyway, but checking first tells "another replica got there"
// (ErrConflict) apart from a taken key id (ErrAlreadyExists).
func insertSigningKey(ctx context.Context, tx *txn, k storage.SigningKey) error {
	if k.RetiredAt.IsZero() {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM signing_keys WHERE algorithm = ? AND retired_at IS NULL`,
			k.Algorithm).Scan(&id)
		switch {
		case err == nil:
			return fmt.Errorf("an active %s key (%s) exists: %w", k.Algorithm, id, storage.ErrConflict)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Algorithm, k.PrivateKey, k.PublicKey, micros(k.CreatedAt), nullMicros(k.RetiredAt), nullMicros(k.ExpiresAt))
	return err
}

// AddSigningKey stores a new active key, or ErrConflict when its algorithm
// already has one, so that replicas starting together agree on one key.
func (s *Store) AddSigningKey(ctx context.Context, k storage.SigningKey) error {
	err := s.write(ctx, func(tx *txn) error { return insertSigningKey(ctx, tx, k) })
	return wrap("add signing key", err)
}

// RotateSigningKey retires the active key retireID (published until
// retireUntil; the zero time publishes it without end) and stores next as
// the active key of next's algorithm, in one transaction. The conditional
// UPDATE is the compare-and-swap: if retireID is no longer active another
// replica rotated first, and the answer is ErrConflict with nothing stored.
// An unknown retireID is ErrNotFound.
func (s *Store) RotateSigningKey(ctx context.Context, retireID string, retireUntil time.Time, next storage.SigningKey) error {
	err := s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE signing_keys SET retired_at = ?, expires_at = ?
			WHERE id = ? AND retired_at IS NULL`, s.nowMicros(), nullMicros(retireUntil), retireID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			// Only the failure path pays for telling "gone" from "retired".
			var exists bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM signing_keys WHERE id = ?)`,
				retireID).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return notFound("key " + retireID)
			}
			return fmt.Errorf("key %s is no longer active: %w", retireID, storage.ErrConflict)
		}
		return insertSigningKey(ctx, tx, next)
	})
	return wrap("rotate signing key", err)
}
