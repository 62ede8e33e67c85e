package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/latchkey-id/latchkey/storage"
)

const authRequestColumns = `id, client_id, redirect_uri, scopes, response_type, response_mode, state, nonce,
	code_challenge, code_challenge_method, prompt, max_age, login_hint, hint_subject, ui_locales, acr_values,
	user_id, auth_time, amr, session_id, done, error, error_description, created_at, expires_at`

func scanAuthRequest(sc scanner) (storage.AuthRequest, error) {
	var a storage.AuthRequest
	err := sc.Scan(&a.ID, &a.ClientID, &a.RedirectURI, listCol{&a.Scopes}, &a.ResponseType, &a.ResponseMode,
		&a.State, &a.Nonce, &a.CodeChallenge, &a.CodeChallengeMethod, listCol{&a.Prompt}, &a.MaxAge,
		&a.LoginHint, strCol{&a.HintSubject}, listCol{&a.UILocales}, listCol{&a.ACRValues},
		strCol{&a.UserID}, timeCol{&a.AuthTime}, listCol{&a.AMR}, strCol{&a.SessionID}, &a.Done,
		&a.Error, &a.ErrorDescription, timeCol{&a.CreatedAt}, timeCol{&a.ExpiresAt})
	return a, err
}

// CreateAuthRequest stores an authorization request; a taken id is
// ErrAlreadyExists, an unknown client ErrNotFound.
func (s *Store) CreateAuthRequest(ctx context.Context, a storage.AuthRequest) error {
	err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_requests (`+authRequestColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.ClientID, a.RedirectURI, jsonList(a.Scopes), a.ResponseType, a.ResponseMode,
			a.State, a.Nonce, a.CodeChallenge, a.CodeChallengeMethod, jsonList(a.Prompt), a.MaxAge,
			a.LoginHint, nullString(a.HintSubject), jsonList(a.UILocales), jsonList(a.ACRValues),
			nullString(a.UserID), nullMicros(a.AuthTime), jsonList(a.AMR), nullString(a.SessionID), a.Done,
			a.Error, a.ErrorDescription, micros(a.CreatedAt), micros(a.ExpiresAt))
		return err
	})
	return wrap("create auth request", err)
}

// AuthRequest returns the unexpired authorization request with this id.
func (s *Store) AuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	a, err := scanAuthRequest(s.readStmts.QueryRowContext(ctx,
		`SELECT `+authRequestColumns+` FROM auth_requests WHERE id = ? AND expires_at > ?`, id, s.nowMicros()))
	if err != nil {
		return storage.AuthRequest{}, wrap("auth request", err)
	}
	return a, nil
}

// CompleteAuthRequest records a sign-in on an unexpired request that is
// neither done nor failed, and returns it; otherwise ErrNotFound.
func (s *Store) CompleteAuthRequest(ctx context.Context, id string, c storage.Completion) (storage.AuthRequest, error) {
	var a storage.AuthRequest
	err := s.write(ctx, func(tx *txn) error {
		var err error
		a, err = completeAuthRequest(ctx, tx, id, c, s.nowMicros())
		return err
	})
	if err != nil {
		return storage.AuthRequest{}, wrap("complete auth request", err)
	}
	return a, nil
}

// completeAuthRequest is the one conditional UPDATE that makes completion
// single-use: a second caller finds done = 1 and matches nothing. A user
// that does not exist fails the foreign key, which wrap reports as
// ErrNotFound too.
func completeAuthRequest(ctx context.Context, tx *txn, id string, c storage.Completion, now int64) (storage.AuthRequest, error) {
	a, err := scanAuthRequest(tx.QueryRowContext(ctx, `UPDATE auth_requests
		SET user_id = ?, auth_time = ?, amr = ?, session_id = ?, done = 1
		WHERE id = ? AND expires_at > ? AND done = 0 AND error = ''
		RETURNING `+authRequestColumns,
		nullString(c.UserID), nullMicros(c.AuthTime), jsonList(c.AMR), nullString(c.SessionID), id, now))
	if errors.Is(err, sql.ErrNoRows) {
		return storage.AuthRequest{}, notFound("open auth request " + id)
	}
	return a, err
}

// errNoErrorCode refuses FailAuthRequest without an error code: the schema
// marks a failed request by a non-empty error, and the OP would have
// nothing to send the client.
var errNoErrorCode = errors.New("an error code is required")

// FailAuthRequest records an OAuth error on an unexpired request that is
// neither done nor failed; otherwise ErrNotFound.
func (s *Store) FailAuthRequest(ctx context.Context, id, errorCode, description string) error {
	if errorCode == "" {
		return wrap("fail auth request", errNoErrorCode)
	}
	err := s.write(ctx, func(tx *txn) error {
		var got string
		err := tx.QueryRowContext(ctx, `UPDATE auth_requests SET error = ?, error_description = ?
			WHERE id = ? AND expires_at > ? AND done = 0 AND error = ''
			RETURNING id`, errorCode, description, id, s.nowMicros()).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("open auth request " + id)
		}
		return err
	})
	return wrap("fail auth request", err)
}

// DeleteAuthRequest removes the request. Its code, if any, stays (there is
// no foreign key from codes), so a replay is still recognised.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *txn) error {
		return deleteOne(ctx, tx, `DELETE FROM auth_requests WHERE id = ?`, id)
	})
	return wrap("delete auth request", err)
}
