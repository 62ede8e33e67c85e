package sqlite

import (
	"context"
	"strconv"
	"time"
)

// codeGrace is how long a code, used or not, outlives its expiry, so that a
// late replay is still recognised and its grant revoked.
const codeGrace = time.Hour

// expirySweeps are DeleteExpired's statements; each takes the store's "now"
// in microseconds. Rotated refresh tokens go with their own expiry, like
// any other, which keeps them for replay detection until then. Security
// events and recovery codes never expire: they go with their user.
var expirySweeps = []string{
	`DELETE FROM ceremonies WHERE expires_at <= ?`,
	`DELETE FROM enrollments WHERE expires_at <= ?`,
	`DELETE FROM auth_requests WHERE expires_at <= ?`,
	`DELETE FROM auth_codes WHERE expires_at <= ? - ` + strconv.FormatInt(codeGrace.Microseconds(), 10),
	`DELETE FROM access_tokens WHERE expires_at <= ?`,
	`DELETE FROM refresh_tokens WHERE expires_at <= ?`,
	`DELETE FROM sessions WHERE expires_at <= ?`,
	`DELETE FROM signing_keys WHERE expires_at IS NOT NULL AND expires_at <= ?`,
	`DELETE FROM email_codes WHERE expires_at <= ?`,
}

// DeleteExpired removes rows past their expiry, in one transaction, and
// returns how many it removed (rows removed by a cascade, such as the
// clients an expired session signed into, are not counted).
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	now := s.nowMicros()
	var total int64
	err := s.write(ctx, func(tx *txn) error {
		for _, q := range expirySweeps {
			res, err := tx.ExecContext(ctx, q, now)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, wrap("delete expired", err)
	}
	return total, nil
}
