package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

const userColumns = `id, webauthn_id, email, name, email_verified, admin, created_at, updated_at`

const insertUser = `INSERT INTO users (` + userColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

func userArgs(u storage.User) []any {
	return []any{u.ID, u.WebAuthnID, u.Email, u.Name, u.EmailVerified, u.Admin, u.CreatedAt, u.UpdatedAt}
}

func scanUser(row pgx.Row) (storage.User, error) {
	var u storage.User
	err := row.Scan(&u.ID, &u.WebAuthnID, &u.Email, &u.Name, &u.EmailVerified, &u.Admin, ts(&u.CreatedAt), ts(&u.UpdatedAt))
	return u, err
}

// CreateUser adds a user and, when invite is not nil, its enrollment link.
// The invite belongs to u: its UserID must be u.ID or "" (then u.ID is used).
func (s *Store) CreateUser(ctx context.Context, u storage.User, invite *storage.Enrollment) error {
	const op = "create user"
	if invite == nil {
		_, err := s.pool.Exec(ctx, insertUser, userArgs(u)...)
		return wrap(op, err)
	}
	if invite.UserID != "" && invite.UserID != u.ID {
		return fmt.Errorf("postgres: %s: the invite is for user %q, not %q: %w", op, invite.UserID, u.ID, storage.ErrConflict)
	}
	// One statement: the enrollment is inserted from the new user's row, so
	// a taken email or WebAuthn id stores neither.
	_, err := s.pool.Exec(ctx, `WITH u AS (`+insertUser+` RETURNING id)
		INSERT INTO enrollments (token_hash, user_id, purpose, auth_request_id, created_at, expires_at)
		SELECT $9::bytea, u.id, $10::text, $11::text, $12::timestamptz, $13::timestamptz FROM u`,
		append(userArgs(u), invite.TokenHash, invite.Purpose, optional(invite.AuthRequestID), invite.CreatedAt, invite.ExpiresAt)...)
	return wrap(op, err)
}

// User returns the user with this id.
func (s *Store) User(ctx context.Context, id string) (storage.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	return u, wrap("user", err)
}

// UserByEmail returns the user with this email, compared exactly (callers
// store and look up emails trimmed and lower-cased).
func (s *Store) UserByEmail(ctx context.Context, email string) (storage.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
	return u, wrap("user by email", err)
}

// UserByWebAuthnID returns the user with this WebAuthn user handle.
func (s *Store) UserByWebAuthnID(ctx context.Context, webauthnID []byte) (storage.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE webauthn_id = $1`, webauthnID))
	return u, wrap("user by webauthn id", err)
}

// ListUsers returns all users, oldest first (nil when there are none).
func (s *Store) ListUsers(ctx context.Context) ([]storage.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list users", err)
	}
	users, err := collect(rows, scanUser)
	return users, wrap("list users", err)
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, wrap("count users", err)
}

// DeleteUser removes the user; the schema's ON DELETE CASCADE removes their
// passkeys, sessions (with the clients they signed into), enrollments,
// ceremonies, completed auth requests, tokens, consents, security events
// and recovery codes in the same statement. An unknown id is ErrNotFound.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err != nil {
		return wrap("delete user", err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("delete user")
	}
	return nil
}

// collect scans every row with scan; no rows is a nil slice.
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
