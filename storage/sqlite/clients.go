package sqlite

import (
	"context"

	"github.com/latchkey-id/latchkey/storage"
)

const clientColumns = `id, secret_hash, name, redirect_uris, post_logout_redirect_uris, public,
	id_token_alg, id_token_userinfo_claims, require_consent, backchannel_logout_uri, created_at`

func scanClient(sc scanner) (storage.Client, error) {
	var c storage.Client
	err := sc.Scan(&c.ID, &c.SecretHash, &c.Name, listCol{&c.RedirectURIs}, listCol{&c.PostLogoutRedirectURIs},
		&c.Public, &c.IDTokenAlg, &c.IDTokenUserinfoClaims, &c.RequireConsent, &c.BackchannelLogoutURI,
		timeCol{&c.CreatedAt})
	return c, err
}

// CreateClient adds a client; a taken id is ErrAlreadyExists.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO clients (`+clientColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.SecretHash, c.Name, jsonList(c.RedirectURIs), jsonList(c.PostLogoutRedirectURIs),
			c.Public, c.IDTokenAlg, c.IDTokenUserinfoClaims, c.RequireConsent, c.BackchannelLogoutURI,
			micros(c.CreatedAt))
		return err
	})
	return wrap("create client", err)
}

// Client returns the client with this id.
func (s *Store) Client(ctx context.Context, id string) (storage.Client, error) {
	c, err := scanClient(s.readStmts.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = ?`, id))
	return c, wrap("client", err)
}

// ListClients returns all clients, oldest first (id breaks ties); nil when there are none.
func (s *Store) ListClients(ctx context.Context) ([]storage.Client, error) {
	rows, err := s.readStmts.QueryContext(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list clients", err)
	}
	defer rows.Close()
	var clients []storage.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, wrap("list clients", err)
		}
		clients = append(clients, c)
	}
	return clients, wrap("list clients", rows.Err())
}

// DeleteClient removes the client; ON DELETE CASCADE removes its auth
// requests, tokens, consents and session records in the same statement.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *txn) error {
		return deleteOne(ctx, tx, `DELETE FROM clients WHERE id = ?`, id)
	})
	return wrap("delete client", err)
}
