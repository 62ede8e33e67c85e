package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

const signingKeyColumns = `id, algorithm, private_key, public_key, created_at, retired_at, expires_at`

func scanSigningKey(row pgx.Row) (storage.SigningKey, error) {
	var k storage.SigningKey
	err := row.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.PublicKey, ts(&k.CreatedAt), ts(&k.RetiredAt), ts(&k.ExpiresAt))
	return k, err
}

// insertSigningKey stores a key unless an active key of its algorithm
// exists: the partial unique index is the arbiter, so of replicas inserting
// together one row goes in and the others insert nothing (no error). A
// taken id still raises a unique violation.
const insertSigningKey = `INSERT INTO signing_keys (` + signingKeyColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7)
	ON CONFLICT (algorithm) WHERE retired_at IS NULL DO NOTHING`

func signingKeyArgs(k storage.SigningKey) []any {
	return []any{k.ID, k.Algorithm, k.PrivateKey, k.PublicKey, k.CreatedAt, optionalTime(k.RetiredAt), optionalTime(k.ExpiresAt)}
}

var errActiveKeyExists = errors.New("an active key of this algorithm exists")

// SigningKeys returns every key not past its ExpiresAt, newest first (nil
// when there are none).
func (s *Store) SigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys
		WHERE expires_at IS NULL OR expires_at > $1 ORDER BY created_at DESC, id DESC`, s.now())
	if err != nil {
		return nil, wrap("signing keys", err)
	}
	ks, err := collect(rows, scanSigningKey)
	return ks, wrap("signing keys", err)
}

// AddSigningKey stores a new active key. If an active key of the same
// algorithm exists it is ErrConflict and nothing is stored; a taken id is
// ErrAlreadyExists.
func (s *Store) AddSigningKey(ctx context.Context, k storage.SigningKey) error {
	const op = "add signing key"
	tag, err := s.pool.Exec(ctx, insertSigningKey, signingKeyArgs(k)...)
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: %w: %w", op, errActiveKeyExists, storage.ErrConflict)
	}
	return nil
}

// RotateSigningKey retires the active key retireID (published until
// retireUntil; the zero time publishes it without end) and stores next as
// the active key of next's algorithm, in one transaction. Retiring is the
// compare-and-swap: a replica that rotated first has already retired
// retireID, so this one gets ErrConflict and stores nothing. An unknown
// retireID is ErrNotFound.
func (s *Store) RotateSigningKey(ctx context.Context, retireID string, retireUntil time.Time, next storage.SigningKey) error {
	const op = "rotate signing key"
	err := s.inTx(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, `UPDATE signing_keys SET retired_at = $2, expires_at = $3
			WHERE id = $1 AND retired_at IS NULL`, retireID, s.now(), optionalTime(retireUntil))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			// Only the failure path pays for telling "gone" from "retired".
			var exists bool
			if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM signing_keys WHERE id = $1)`, retireID).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return fmt.Errorf("key %q: %w", retireID, storage.ErrNotFound)
			}
			return fmt.Errorf("key %q is no longer active: %w", retireID, storage.ErrConflict)
		}
		tag, err = q.Exec(ctx, insertSigningKey, signingKeyArgs(next)...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: %w", errActiveKeyExists, storage.ErrConflict)
		}
		return nil
	})
	return wrap(op, err)
}
