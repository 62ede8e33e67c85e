package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

// authRequestColumns reads an auth request aliased r. Every column is
// null-safe, so the same list also reads the LEFT JOINed request of AuthCode,
// where a missing request makes every column NULL (and ID "").
const authRequestColumns = `coalesce(r.id, ''), coalesce(r.client_id, ''), coalesce(r.redirect_uri, ''),
	nullif(r.scopes, '{}'), coalesce(r.response_type, ''), coalesce(r.response_mode, ''),
	coalesce(r.state, ''), coalesce(r.nonce, ''), coalesce(r.code_challenge, ''),
	coalesce(r.code_challenge_method, ''), nullif(r.prompt, '{}'), r.max_age, coalesce(r.login_hint, ''),
	coalesce(r.hint_subject, ''), nullif(r.ui_locales, '{}'), nullif(r.acr_values, '{}'),
	coalesce(r.user_id, ''), r.auth_time, nullif(r.amr, '{}'), coalesce(r.session_id, ''),
	coalesce(r.done, false), coalesce(r.error, ''), coalesce(r.error_description, ''), r.created_at, r.expires_at`

// authRequestDest is where authRequestColumns scan to; extra columns read
// before them go first.
func authRequestDest(a *storage.AuthRequest, before ...any) []any {
	return append(before, &a.ID, &a.ClientID, &a.RedirectURI,
		&a.Scopes, &a.ResponseType, &a.ResponseMode,
		&a.State, &a.Nonce, &a.CodeChallenge,
		&a.CodeChallengeMethod, &a.Prompt, &a.MaxAge, &a.LoginHint,
		&a.HintSubject, &a.UILocales, &a.ACRValues,
		&a.UserID, ts(&a.AuthTime), &a.AMR, &a.SessionID,
		&a.Done, &a.Error, &a.ErrorDescription, ts(&a.CreatedAt), ts(&a.ExpiresAt))
}

func scanAuthRequest(row pgx.Row) (storage.AuthRequest, error) {
	var a storage.AuthRequest
	err := row.Scan(authRequestDest(&a)...)
	return a, err
}

// CreateAuthRequest stores an authorization request; a taken id is
// ErrAlreadyExists and an unknown client ErrNotFound.
//
// It commits without waiting for the WAL flush (commitAsync): a request
// lost in a crash only sends the person back to the app to start again,
// and whatever later relies on it — RecordSignIn completing it — commits
// synchronously, which makes it durable first (see "Durability" in the
// package doc).
func (s *Store) CreateAuthRequest(ctx context.Context, a storage.AuthRequest) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO auth_requests (id, client_id, redirect_uri, scopes, response_type,
		response_mode, state, nonce, code_challenge, code_challenge_method, prompt, max_age, login_hint,
		hint_subject, ui_locales, acr_values, user_id, auth_time, amr, session_id, done, error,
		error_description, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
		$21, $22, $23, $24, $25)`+commitAsync,
		a.ID, a.ClientID, a.RedirectURI, list(a.Scopes), a.ResponseType,
		a.ResponseMode, a.State, a.Nonce, a.CodeChallenge, a.CodeChallengeMethod, list(a.Prompt), a.MaxAge, a.LoginHint,
		optional(a.HintSubject), list(a.UILocales), list(a.ACRValues), optional(a.UserID), optionalTime(a.AuthTime), list(a.AMR), optional(a.SessionID), a.Done, a.Error,
		a.ErrorDescription, a.CreatedAt, a.ExpiresAt)
	return wrap("create auth request", err)
}

// AuthRequest returns the unexpired authorization request with this id.
func (s *Store) AuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	a, err := scanAuthRequest(s.pool.QueryRow(ctx, `SELECT `+authRequestColumns+` FROM auth_requests r
		WHERE r.id = $1 AND r.expires_at > $2`, id, s.now()))
	return a, wrap("auth request", err)
}

// CompleteAuthRequest records a sign-in on an unexpired request that is
// neither done nor failed. The WHERE clause is the guard: of concurrent
// callers the first one's update makes it false for the rest.
func (s *Store) CompleteAuthRequest(ctx context.Context, id string, c storage.Completion) (storage.AuthRequest, error) {
	a, err := scanAuthRequest(s.pool.QueryRow(ctx, `UPDATE auth_requests r
		SET user_id = $2, auth_time = $3, amr = $4, session_id = $5, done = true
		WHERE r.id = $1 AND NOT r.done AND r.error = '' AND r.expires_at > $6
		RETURNING `+authRequestColumns,
		id, optional(c.UserID), optionalTime(c.AuthTime), list(c.AMR), optional(c.SessionID), s.now()))
	return a, wrap("complete auth request", err)
}

// FailAuthRequest records an OAuth error on an unexpired request that is
// neither done nor failed. The request counts as failed while its error is
// not empty, so an empty error code is refused.
func (s *Store) FailAuthRequest(ctx context.Context, id, errorCode, description string) error {
	const op = "fail auth request"
	if errorCode == "" {
		return fmt.Errorf("postgres: %s: the error code is empty", op)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE auth_requests SET error = $2, error_description = $3
		WHERE id = $1 AND NOT done AND error = '' AND expires_at > $4`, id, errorCode, description, s.now())
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}

// DeleteAuthRequest removes the request (its code stays, see AuthCode). An
// unknown id is ErrNotFound.
//
// It commits without waiting for the WAL flush (commitAsync): it runs
// once the request is answered — tokens issued (RedeemCode, synchronous),
// or its error sent — and a request that survives a crash stays answered:
// done or failed, so nothing completes it again, and with its one code
// already saved and used, so no second code is issued and a replay is
// still recognised. It expires like any other.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM auth_requests WHERE id = $1`+commitAsync, id)
	if err != nil {
		return wrap("delete auth request", err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("delete auth request")
	}
	return nil
}
