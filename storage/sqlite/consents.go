package sqlite

import (
	"context"

	"github.com/latchkey-id/latchkey/storage"
)

// Consent returns the person's consent to a client; ErrNotFound if none.
func (s *Store) Consent(ctx context.Context, userID, clientID string) (storage.Consent, error) {
	var c storage.Consent
	err := s.readStmts.QueryRowContext(ctx, `SELECT user_id, client_id, scopes, created_at, updated_at
		FROM consents WHERE user_id = ? AND client_id = ?`, userID, clientID).
		Scan(&c.UserID, &c.ClientID, listCol{&c.Scopes}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if err != nil {
		return storage.Consent{}, wrap("consent", err)
	}
	return c, nil
}

// SaveConsent stores the consent in one upsert: a second consent to the
// same client replaces the scopes and UpdatedAt and keeps the first one's
// CreatedAt. The foreign keys make an unknown user or client ErrNotFound.
func (s *Store) SaveConsent(ctx context.Context, c storage.Consent) error {
	err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO consents (user_id, client_id, scopes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at`,
			c.UserID, c.ClientID, jsonList(c.Scopes), micros(c.CreatedAt), micros(c.UpdatedAt))
		return err
	})
	return wrap("save consent", err)
}
