package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

const accessTokenColumns = `id, family_id, client_id, coalesce(user_id, ''), nullif(scopes, '{}'),
	nullif(audience, '{}'), coalesce(refresh_token_id, ''), auth_time, created_at, expires_at`

func scanAccessToken(row pgx.Row) (storage.AccessToken, error) {
	var t storage.AccessToken
	err := row.Scan(&t.ID, &t.FamilyID, &t.ClientID, &t.UserID, &t.Scopes,
		&t.Audience, &t.RefreshTokenID, ts(&t.AuthTime), ts(&t.CreatedAt), ts(&t.ExpiresAt))
	return t, err
}

const refreshTokenColumns = `id, hash, family_id, client_id, user_id, nullif(scopes, '{}'), nullif(audience, '{}'),
	auth_time, nullif(amr, '{}'), coalesce(session_id, ''), created_at, expires_at, rotated_at`

func scanRefreshToken(row pgx.Row) (storage.RefreshToken, error) {
	var t storage.RefreshToken
	err := row.Scan(&t.ID, &t.Hash, &t.FamilyID, &t.ClientID, &t.UserID, &t.Scopes, &t.Audience,
		ts(&t.AuthTime), &t.AMR, &t.SessionID, ts(&t.CreatedAt), ts(&t.ExpiresAt), ts(&t.RotatedAt))
	return t, err
}

// issueAccess and issueRefresh are CTEs that store the tokens issued by a
// consumption: they select from the CTE named "spent", so they insert
// nothing unless it consumed a row. The casts type the parameters, which an
// INSERT … SELECT does not infer from the target columns.
const (
	issueAccess = `access AS (
		INSERT INTO access_tokens (id, family_id, client_id, user_id, scopes, audience, refresh_token_id, created_at, expires_at, auth_time)
		SELECT $3::text, $4::text, $5::text, $6::text, $7::text[], $8::text[], $9::text, $10::timestamptz, $11::timestamptz, $12::timestamptz
		FROM spent
	)`
	issueRefresh = `refresh AS (
		INSERT INTO refresh_tokens (id, hash, family_id, client_id, user_id, scopes, audience, auth_time, amr,
			session_id, created_at, expires_at, rotated_at)
		SELECT $13::text, $14::bytea, $15::text, $16::text, $17::text, $18::text[], $19::text[], $20::timestamptz,
			$21::text[], $22::text, $23::timestamptz, $24::timestamptz, $25::timestamptz
		FROM spent
	)`
)

// issueArgs are the parameters $3… of issueAccess and, when rt is not nil,
// issueRefresh.
func issueArgs(at storage.AccessToken, rt *storage.RefreshToken) []any {
	args := []any{at.ID, at.FamilyID, at.ClientID, optional(at.UserID), list(at.Scopes), list(at.Audience),
		optional(at.RefreshTokenID), at.CreatedAt, at.ExpiresAt, optionalTime(at.AuthTime)}
	if rt != nil {
		args = append(args, rt.ID, rt.Hash, rt.FamilyID, rt.ClientID, rt.UserID, list(rt.Scopes), list(rt.Audience),
			optionalTime(rt.AuthTime), list(rt.AMR), optional(rt.SessionID), rt.CreatedAt, rt.ExpiresAt, optionalTime(rt.RotatedAt))
	}
	return args
}

// signedInto is the CTE of RedeemCode that records the session in which
// the spent code's request was completed as signed into the request's
// client. It selects from "spent", so it writes nothing unless the code was
// consumed; it locks the session (FOR KEY SHARE, what the foreign key check
// takes anyway) so that a session ended before the redemption is skipped,
// and one being ended meanwhile waits, instead of failing the foreign key
// and with it the whole redemption; ON CONFLICT keeps one row per pair,
// whichever of several codes of the session comes first.
const signedInto = `session AS (
		SELECT s.id, r.client_id FROM spent
		JOIN auth_requests r ON r.id = spent.auth_request_id
		JOIN sessions s ON s.id = r.session_id
		FOR KEY SHARE OF s
	), signed_into AS (
		INSERT INTO session_clients (session_id, client_id, created_at)
		SELECT id, client_id, $2 FROM session
		ON CONFLICT (session_id, client_id) DO NOTHING
	)`

// RedeemCode marks the unused, unexpired code as used and stores the tokens
// issued for it, in one statement: the UPDATE is the consumption (a
// concurrent caller re-checks used_at IS NULL after the winner's commit and
// matches nothing), and the inserts only happen for the row it returned. A
// failing insert (a taken id, an unknown client) fails the whole statement,
// so the code stays unused and no session record is written.
func (s *Store) RedeemCode(ctx context.Context, codeHash []byte, at storage.AccessToken, rt *storage.RefreshToken) error {
	const op = "redeem code"
	q := `WITH spent AS (
		UPDATE auth_codes SET used_at = $2 WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING auth_request_id
	), ` + signedInto + `, ` + issueAccess
	if rt != nil {
		q += `, ` + issueRefresh
	}
	q += ` SELECT count(*) FROM spent`
	var n int
	if err := s.pool.QueryRow(ctx, q, append([]any{codeHash, s.now()}, issueArgs(at, rt)...)...).Scan(&n); err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// RotateRefreshToken marks the unrotated, unexpired refresh token as rotated
// and stores its successors, in one statement, exactly as RedeemCode does
// for codes.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash []byte, at storage.AccessToken, rt storage.RefreshToken) error {
	const op = "rotate refresh token"
	q := `WITH spent AS (
		UPDATE refresh_tokens SET rotated_at = $2 WHERE hash = $1 AND rotated_at IS NULL AND expires_at > $2 RETURNING id
	), ` + issueAccess + `, ` + issueRefresh + ` SELECT count(*) FROM spent`
	var n int
	if err := s.pool.QueryRow(ctx, q, append([]any{oldHash, s.now()}, issueArgs(at, &rt)...)...).Scan(&n); err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// AccessToken returns the unexpired access token with this id; a revoked
// token no longer exists.
func (s *Store) AccessToken(ctx context.Context, id string) (storage.AccessToken, error) {
	t, err := scanAccessToken(s.pool.QueryRow(ctx, `SELECT `+accessTokenColumns+` FROM access_tokens
		WHERE id = $1 AND expires_at > $2`, id, s.now()))
	return t, wrap("access token", err)
}

// RefreshToken returns the unexpired refresh token with this hash, rotated
// ones included.
func (s *Store) RefreshToken(ctx context.Context, hash []byte) (storage.RefreshToken, error) {
	t, err := scanRefreshToken(s.pool.QueryRow(ctx, `SELECT `+refreshTokenColumns+` FROM refresh_tokens
		WHERE hash = $1 AND expires_at > $2`, hash, s.now()))
	return t, wrap("refresh token", err)
}

// RevokeAccessToken removes one access token; an unknown id is not an error.
func (s *Store) RevokeAccessToken(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM access_tokens WHERE id = $1`, id)
	return wrap("revoke access token", err)
}

// RevokeFamily removes every access and refresh token of one grant, in one
// statement. A family with no tokens left is not an error: a second replay
// revokes an already revoked grant.
func (s *Store) RevokeFamily(ctx context.Context, familyID string) error {
	_, err := s.pool.Exec(ctx, `WITH access AS (DELETE FROM access_tokens WHERE family_id = $1)
		DELETE FROM refresh_tokens WHERE family_id = $1`, familyID)
	return wrap("revoke family", err)
}
