package postgres

import (
	"context"
	"time"
)

// codeGrace is how long a code is kept past its expiry, used or not, so
// that a late replay is still recognised.
const codeGrace = time.Hour

// DeleteExpired removes, in one statement, every row past its expiry and
// returns how many it removed. Codes stay for codeGrace past their expiry;
// rotated refresh tokens, like all refresh tokens, until their own expiry;
// signing keys until the end of their publication (active keys have none);
// sign-up email codes at their expiry. Security events and recovery codes
// never expire: they go with their user.
// Rows removed by a cascade (the clients an expired session signed into)
// are not counted.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	now := s.now()
	var n int64
	err := s.pool.QueryRow(ctx, `WITH
		cer AS (DELETE FROM ceremonies     WHERE expires_at <= $1 RETURNING 1),
		enr AS (DELETE FROM enrollments    WHERE expires_at <= $1 RETURNING 1),
		req AS (DELETE FROM auth_requests  WHERE expires_at <= $1 RETURNING 1),
		cod AS (DELETE FROM auth_codes     WHERE expires_at <= $2 RETURNING 1),
		acc AS (DELETE FROM access_tokens  WHERE expires_at <= $1 RETURNING 1),
		ref AS (DELETE FROM refresh_tokens WHERE expires_at <= $1 RETURNING 1),
		ses AS (DELETE FROM sessions       WHERE expires_at <= $1 RETURNING 1),
		sig AS (DELETE FROM signing_keys   WHERE expires_at <= $1 RETURNING 1),
		ema AS (DELETE FROM email_codes    WHERE expires_at <= $1 RETURNING 1)
		SELECT (SELECT count(*) FROM cer) + (SELECT count(*) FROM enr) + (SELECT count(*) FROM req)
			+ (SELECT count(*) FROM cod) + (SELECT count(*) FROM acc) + (SELECT count(*) FROM ref)
			+ (SELECT count(*) FROM ses) + (SELECT count(*) FROM sig) + (SELECT count(*) FROM ema)`,
		now, now.Add(-codeGrace)).Scan(&n)
	return n, wrap("delete expired", err)
}
