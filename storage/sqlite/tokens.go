package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/latchkey-id/latchkey/storage"
)

const accessTokenColumns = `id, family_id, client_id, user_id, scopes, audience, refresh_token_id, created_at, expires_at, auth_time`

const refreshTokenColumns = `id, hash, family_id, client_id, user_id, scopes, audience, auth_time, amr,
	session_id, created_at, expires_at, rotated_at`

func insertAccessToken(ctx context.Context, tx *txn, t storage.AccessToken) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO access_tokens (`+accessTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.FamilyID, t.ClientID, nullString(t.UserID), jsonList(t.Scopes), jsonList(t.Audience),
		nullString(t.RefreshTokenID), micros(t.CreatedAt), micros(t.ExpiresAt), nullMicros(t.AuthTime))
	return err
}

func insertRefreshToken(ctx context.Context, tx *txn, t storage.RefreshToken) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (`+refreshTokenColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Hash, t.FamilyID, t.ClientID, nullString(t.UserID), jsonList(t.Scopes), jsonList(t.Audience),
		nullMicros(t.AuthTime), jsonList(t.AMR), nullString(t.SessionID),
		micros(t.CreatedAt), micros(t.ExpiresAt), nullMicros(t.RotatedAt))
	return err
}

// RedeemCode marks the unused, unexpired code as used and stores the tokens
// issued for it. The conditional UPDATE … RETURNING is the single-use step:
// of concurrent callers the first sets used_at and the rest match nothing.
// A failing insert rolls the UPDATE back, so the code stays unused and no
// session record is written.
func (s *Store) RedeemCode(ctx context.Context, codeHash []byte, at storage.AccessToken, rt *storage.RefreshToken) error {
	now := s.nowMicros()
	err := s.write(ctx, func(tx *txn) error {
		var requestID string
		err := tx.QueryRowContext(ctx, `UPDATE auth_codes SET used_at = ?
			WHERE hash = ? AND used_at IS NULL AND expires_at > ?
			RETURNING auth_request_id`, now, codeHash, now).Scan(&requestID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("unused code")
		}
		if err != nil {
			return err
		}
		if rt != nil {
			if err := insertRefreshToken(ctx, tx, *rt); err != nil {
				return err
			}
		}
		if err := insertAccessToken(ctx, tx, at); err != nil {
			return err
		}
		return recordSessionClient(ctx, tx, requestID, now)
	})
	return wrap("redeem code", err)
}

// RotateRefreshToken marks the unrotated, unexpired refresh token as
// rotated and stores its successors; single use as in RedeemCode.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash []byte, at storage.AccessToken, rt storage.RefreshToken) error {
	now := s.nowMicros()
	err := s.write(ctx, func(tx *txn) error {
		var oldID string
		err := tx.QueryRowContext(ctx, `UPDATE refresh_tokens SET rotated_at = ?
			WHERE hash = ? AND rotated_at IS NULL AND expires_at > ?
			RETURNING id`, now, oldHash, now).Scan(&oldID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("unrotated refresh token")
		}
		if err != nil {
			return err
		}
		if err := insertRefreshToken(ctx, tx, rt); err != nil {
			return err
		}
		return insertAccessToken(ctx, tx, at)
	})
	return wrap("rotate refresh token", err)
}

// AccessToken returns the unexpired, unrevoked access token with this id
// (revoking deletes the row).
func (s *Store) AccessToken(ctx context.Context, id string) (storage.AccessToken, error) {
	var t storage.AccessToken
	err := s.readStmts.QueryRowContext(ctx, `SELECT `+accessTokenColumns+` FROM access_tokens
		WHERE id = ? AND expires_at > ?`, id, s.nowMicros()).
		Scan(&t.ID, &t.FamilyID, &t.ClientID, strCol{&t.UserID}, listCol{&t.Scopes}, listCol{&t.Audience},
			strCol{&t.RefreshTokenID}, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.AuthTime})
	if err != nil {
		return storage.AccessToken{}, wrap("access token", err)
	}
	return t, nil
}

// RefreshToken returns the unexpired refresh token with this hash, rotated
// ones included (RotatedAt set).
func (s *Store) RefreshToken(ctx context.Context, hash []byte) (storage.RefreshToken, error) {
	var t storage.RefreshToken
	err := s.readStmts.QueryRowContext(ctx, `SELECT `+refreshTokenColumns+` FROM refresh_tokens
		WHERE hash = ? AND expires_at > ?`, hash, s.nowMicros()).
		Scan(&t.ID, &t.Hash, &t.FamilyID, &t.ClientID, strCol{&t.UserID}, listCol{&t.Scopes}, listCol{&t.Audience},
			timeCol{&t.AuthTime}, listCol{&t.AMR}, strCol{&t.SessionID},
			timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.RotatedAt})
	if err != nil {
		return storage.RefreshToken{}, wrap("refresh token", err)
	}
	return t, nil
}

// RevokeAccessToken removes one access token; an unknown id is not an error.
func (s *Store) RevokeAccessToken(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE id = ?`, id)
		return err
	})
	return wrap("revoke access token", err)
}

// RevokeFamily removes every access and refresh token of one grant, in one
// transaction; a family with no tokens left is not an error.
func (s *Store) RevokeFamily(ctx context.Context, familyID string) error {
	err := s.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE family_id = ?`, familyID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE family_id = ?`, familyID)
		return err
	})
	return wrap("revoke family", err)
}
