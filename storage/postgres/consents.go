package postgres

import (
	"context"

	"github.com/latchkey-id/latchkey/storage"
)

// Consent returns the person's consent to a client; ErrNotFound if none.
func (s *Store) Consent(ctx context.Context, userID, clientID string) (storage.Consent, error) {
	var c storage.Consent
	err := s.pool.QueryRow(ctx, `SELECT user_id, client_id, nullif(scopes, '{}'), created_at, updated_at
		FROM consents WHERE user_id = $1 AND client_id = $2`, userID, clientID).
		Scan(&c.UserID, &c.ClientID, &c.Scopes, ts(&c.CreatedAt), ts(&c.UpdatedAt))
	return c, wrap("consent", err)
}

// SaveConsent stores the consent in one upsert: a second consent to the
// same client replaces the scopes and UpdatedAt and keeps the first one's
// CreatedAt. The foreign keys make an unknown user or client ErrNotFound.
func (s *Store) SaveConsent(ctx context.Context, c storage.Consent) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO consents (user_id, client_id, scopes, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at`,
		c.UserID, c.ClientID, list(c.Scopes), c.CreatedAt, c.UpdatedAt)
	return wrap("save consent", err)
}
