package postgres

import (
	"context"

	"github.com/latchkey-id/latchkey/storage"
)

// SaveAuthCode stores the one code of a completed, unexpired authorization
// request. The INSERT selects from the request, so an unknown, expired or
// unfinished request inserts nothing (ErrNotFound); the unique index on
// auth_request_id refuses a second code (ErrAlreadyExists), however many
// callers race.
//
// It commits without waiting for the WAL flush (commitAsync): a code is
// not a credential until RedeemCode exchanges it, which commits
// synchronously and so makes the code durable first — a redeemed code
// stays redeemed. A code lost in a crash fails the app's token request
// (invalid_grant) and the person signs in again; the request, still done
// but without a code, can then be given one, again exactly one.
func (s *Store) SaveAuthCode(ctx context.Context, c storage.AuthCode) error {
	const op = "save auth code"
	tag, err := s.pool.Exec(ctx, `INSERT INTO auth_codes (hash, auth_request_id, created_at, expires_at, used_at)
		SELECT $1::bytea, r.id, $3::timestamptz, $4::timestamptz, $5::timestamptz FROM auth_requests r
		WHERE r.id = $2 AND r.done AND r.expires_at > $6`+commitAsync,
		c.Hash, c.AuthRequestID, c.CreatedAt, c.ExpiresAt, optionalTime(c.UsedAt), s.now())
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}

// AuthCode returns the code with this hash and its request, in one
// statement. An unused code needs to be unexpired and to have its request
// (unexpired too), or it is ErrNotFound: it could not be redeemed. A used
// code is returned until DeleteExpired removes it, with its request when
// that still exists and is unexpired, else a zero AuthRequest, so that the
// caller can recognise the replay and revoke the grant (FamilyID =
// AuthRequestID).
func (s *Store) AuthCode(ctx context.Context, hash []byte) (storage.AuthCode, storage.AuthRequest, error) {
	const op = "auth code"
	var (
		c storage.AuthCode
		a storage.AuthRequest
	)
	err := s.pool.QueryRow(ctx, `SELECT c.hash, c.auth_request_id, c.created_at, c.expires_at, c.used_at, `+authRequestColumns+`
		FROM auth_codes c LEFT JOIN auth_requests r ON r.id = c.auth_request_id AND r.expires_at > $2
		WHERE c.hash = $1 AND (c.used_at IS NOT NULL OR c.expires_at > $2)`, hash, s.now()).
		Scan(authRequestDest(&a, &c.Hash, &c.AuthRequestID, ts(&c.CreatedAt), ts(&c.ExpiresAt), ts(&c.UsedAt))...)
	if err != nil {
		return storage.AuthCode{}, storage.AuthRequest{}, wrap(op, err)
	}
	if c.UsedAt.IsZero() && a.ID == "" {
		return storage.AuthCode{}, storage.AuthRequest{}, notFound(op)
	}
	return c, a, nil
}
