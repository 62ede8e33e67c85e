package sqlite

import (
	"context"
	"fmt"

	"github.com/latchkey-id/latchkey/storage"
)

const userColumns = `id, webauthn_id, email, name, email_verified, admin, created_at, updated_at`

func scanUser(sc scanner) (storage.User, error) {
	var u storage.User
	err := sc.Scan(&u.ID, &u.WebAuthnID, &u.Email, &u.Name, &u.EmailVerified, &u.Admin,
		timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt})
	return u, err
}

func insertUser(ctx context.Context, tx *txn, u storage.User) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.WebAuthnID, u.Email, u.Name, u.EmailVerified, u.Admin, micros(u.CreatedAt), micros(u.UpdatedAt))
	return err
}

// CreateUser adds a user and, when invite is not nil, its enrollment link.
// The invite belongs to u: its UserID must be u.ID or "" (then u.ID is
// used), else ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u storage.User, invite *storage.Enrollment) error {
	if invite != nil && invite.UserID != "" && invite.UserID != u.ID {
		return wrap("create user", fmt.Errorf("the invite is for user %q, not %q: %w", invite.UserID, u.ID, storage.ErrConflict))
	}
	err := s.write(ctx, func(tx *txn) error {
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		if invite == nil {
			return nil
		}
		e := *invite
		if e.UserID == "" {
			e.UserID = u.ID
		}
		return insertEnrollment(ctx, tx, e)
	})
	return wrap("create user", err)
}

// User returns the user with this id.
func (s *Store) User(ctx context.Context, id string) (storage.User, error) {
	u, err := scanUser(s.readStmts.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	return u, wrap("user", err)
}

// UserByEmail returns the user with this email (stored lower-cased by the caller).
func (s *Store) UserByEmail(ctx context.Context, email string) (storage.User, error) {
	u, err := scanUser(s.readStmts.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	return u, wrap("user by email", err)
}

// UserByWebAuthnID returns the user with this WebAuthn user handle.
func (s *Store) UserByWebAuthnID(ctx context.Context, webauthnID []byte) (storage.User, error) {
	u, err := scanUser(s.readStmts.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE webauthn_id = ?`, webauthnID))
	return u, wrap("user by WebAuthn id", err)
}

// ListUsers returns all users, oldest first (id breaks ties); nil when there are none.
func (s *Store) ListUsers(ctx context.Context) ([]storage.User, error) {
	rows, err := s.readStmts.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list users", err)
	}
	defer rows.Close()
	var users []storage.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap("list users", err)
		}
		users = append(users, u)
	}
	return users, wrap("list users", rows.Err())
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.readStmts.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, wrap("count users", err)
}

// DeleteUser removes the user; the schema's ON DELETE CASCADE removes their
// passkeys, sessions (with the clients they signed into), enrollments,
// ceremonies, completed auth requests, tokens, consents, security events
// and recovery codes in the same statement.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *txn) error {
		return deleteOne(ctx, tx, `DELETE FROM users WHERE id = ?`, id)
	})
	return wrap("delete user", err)
}

// deleteOne runs a DELETE that must remove a row: none is ErrNotFound.
func deleteOne(ctx context.Context, tx *txn, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return storage.ErrNotFound
	}
	return nil
}
