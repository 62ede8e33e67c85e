package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

const ceremonyColumns = `hash, kind, coalesce(auth_request_id, ''), coalesce(user_id, ''), data, created_at, expires_at`

func scanCeremony(row pgx.Row) (storage.Ceremony, error) {
	var c storage.Ceremony
	err := row.Scan(&c.Hash, &c.Kind, &c.AuthRequestID, &c.UserID, &c.Data, ts(&c.CreatedAt), ts(&c.ExpiresAt))
	return c, err
}

// CreateCeremony stores a ceremony; a taken hash is ErrAlreadyExists and an
// unknown user ErrNotFound.
//
// It commits without waiting for the WAL flush (commitAsync): a challenge
// lost in a crash fails its ceremony, which the person begins again, and
// ConsumeCeremony commits synchronously, which makes the ceremony durable
// first — a consumed ceremony never comes back.
func (s *Store) CreateCeremony(ctx context.Context, c storage.Ceremony) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO ceremonies (hash, kind, auth_request_id, user_id, data, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`+commitAsync,
		c.Hash, c.Kind, optional(c.AuthRequestID), optional(c.UserID), c.Data, c.CreatedAt, c.ExpiresAt)
	return wrap("create ceremony", err)
}

// ConsumeCeremony deletes and returns the unexpired ceremony with this hash.
// The DELETE is the whole consumption: a concurrent caller waits for the
// winner's row lock, then finds the row gone.
func (s *Store) ConsumeCeremony(ctx context.Context, hash []byte) (storage.Ceremony, error) {
	c, err := scanCeremony(s.pool.QueryRow(ctx, `DELETE FROM ceremonies WHERE hash = $1 AND expires_at > $2
		RETURNING `+ceremonyColumns, hash, s.now()))
	return c, wrap("consume ceremony", err)
}
