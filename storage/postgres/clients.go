package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

const clientColumns = `id, secret_hash, name, nullif(redirect_uris, '{}'), nullif(post_logout_redirect_uris, '{}'), public,
	id_token_alg, id_token_userinfo_claims, require_consent, backchannel_logout_uri, created_at`

func scanClient(row pgx.Row) (storage.Client, error) {
	var c storage.Client
	err := row.Scan(&c.ID, &c.SecretHash, &c.Name, &c.RedirectURIs, &c.PostLogoutRedirectURIs, &c.Public,
		&c.IDTokenAlg, &c.IDTokenUserinfoClaims, &c.RequireConsent, &c.BackchannelLogoutURI, ts(&c.CreatedAt))
	return c, err
}

// CreateClient adds a client; a taken id is ErrAlreadyExists.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO clients (id, secret_hash, name, redirect_uris, post_logout_redirect_uris, public,
		id_token_alg, id_token_userinfo_claims, require_consent, backchannel_logout_uri, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.ID, c.SecretHash, c.Name, list(c.RedirectURIs), list(c.PostLogoutRedirectURIs), c.Public,
		c.IDTokenAlg, c.IDTokenUserinfoClaims, c.RequireConsent, c.BackchannelLogoutURI, c.CreatedAt)
	return wrap("create client", err)
}

// Client returns the client with this id.
func (s *Store) Client(ctx context.Context, id string) (storage.Client, error) {
	c, err := scanClient(s.pool.QueryRow(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = $1`, id))
	return c, wrap("client", err)
}

// ListClients returns all clients, oldest first (nil when there are none).
func (s *Store) ListClients(ctx context.Context) ([]storage.Client, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list clients", err)
	}
	cs, err := collect(rows, scanClient)
	return cs, wrap("list clients", err)
}

// DeleteClient removes the client; ON DELETE CASCADE removes its auth
// requests, tokens, consents and session records in the same statement. An unknown id is ErrNotFound.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM clients WHERE id = $1`, id)
	if err != nil {
		return wrap("delete client", err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("delete client")
	}
	return nil
}
