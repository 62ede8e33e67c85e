package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/latchkey-id/latchkey/storage"
)

// Passkey returns one of the user's passkeys; another user's, or an
// unknown id, is ErrNotFound.
func (s *Store) Passkey(ctx context.Context, userID, passkeyID string) (storage.Passkey, error) {
	p, err := scanPasskey(s.readStmts.QueryRowContext(ctx,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE id = ? AND user_id = ?`, passkeyID, userID))
	return p, wrap("passkey", err)
}

// AddPasskey stores another passkey of an existing user and the event, in
// one transaction: a taken credential id (ErrAlreadyExists) or an unknown
// user (ErrNotFound) rolls it back whole, so no event is written either.
func (s *Store) AddPasskey(ctx context.Context, p storage.Passkey, event *storage.SecurityEvent) error {
	es, err := storage.EventsFor(p.UserID, storage.OptionalEvent(event)...)
	if err != nil {
		return wrap("add passkey", err)
	}
	err = s.write(ctx, func(tx *txn) error {
		if err := insertPasskey(ctx, tx, p); err != nil {
			return err
		}
		return insertEvents(ctx, tx, es...)
	})
	return wrap("add passkey", err)
}

// RenamePasskey renames one of the user's passkeys, records the event and
// returns the passkey, in one transaction.
func (s *Store) RenamePasskey(ctx context.Context, userID, passkeyID, name string, event *storage.SecurityEvent) (storage.Passkey, error) {
	es, err := storage.EventsFor(userID, storage.OptionalEvent(event)...)
	if err != nil {
		return storage.Passkey{}, wrap("rename passkey", err)
	}
	var p storage.Passkey
	err = s.write(ctx, func(tx *txn) error {
		var err error
		p, err = scanPasskey(tx.QueryRowContext(ctx, `UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?
			RETURNING `+passkeyColumns, name, passkeyID, userID))
		if err != nil {
			return err
		}
		return insertEvents(ctx, tx, es...)
	})
	if err != nil {
		return storage.Passkey{}, wrap("rename passkey", err)
	}
	return p, nil
}

// DeletePasskey removes one of the user's passkeys and records the event,
// unless the user would be left with neither a passkey nor an unused
// recovery code (ErrConflict, nothing written). The check and the delete
// run in one transaction on the one writer connection, so concurrent
// deletes take turns and each sees what the one before it left.
func (s *Store) DeletePasskey(ctx context.Context, userID, passkeyID string, event *storage.SecurityEvent) error {
	es, err := storage.EventsFor(userID, storage.OptionalEvent(event)...)
	if err != nil {
		return wrap("delete passkey", err)
	}
	err = s.write(ctx, func(tx *txn) error {
		var (
			target, others int
			unusedCode     bool
		)
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE id = ?), count(*) FILTER (WHERE id <> ?),
			EXISTS (SELECT 1 FROM recovery_codes WHERE user_id = ? AND used_at IS NULL)
			FROM passkeys WHERE user_id = ?`, passkeyID, passkeyID, userID, userID).Scan(&target, &others, &unusedCode); err != nil {
			return err
		}
		switch {
		case target == 0:
			return notFound("passkey " + passkeyID + " of user " + userID)
		case others == 0 && !unusedCode:
			return fmt.Errorf("the user's last passkey, and no unused recovery code: %w", storage.ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM passkeys WHERE id = ?`, passkeyID); err != nil {
			return err
		}
		return insertEvents(ctx, tx, es...)
	})
	return wrap("delete passkey", err)
}

// FlagPasskey sets the passkey's CloneWarning and records the event, in one
// transaction. The event without a user gets the passkey's; an event of
// another user than the passkey's is ErrConflict.
func (s *Store) FlagPasskey(ctx context.Context, passkeyID string, event storage.SecurityEvent) error {
	err := s.write(ctx, func(tx *txn) error {
		var owner string
		err := tx.QueryRowContext(ctx, `UPDATE passkeys SET clone_warning = 1 WHERE id = ? RETURNING user_id`,
			passkeyID).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("passkey " + passkeyID)
		}
		if err != nil {
			return err
		}
		es, err := storage.EventsFor(owner, event)
		if err != nil {
			return err
		}
		return insertEvents(ctx, tx, es...)
	})
	return wrap("flag passkey", err)
}

// ResetPasskeys removes the user's passkeys, sessions and recovery codes
// and stores the enrollment link and the event, in one transaction. An
// unknown user fails the link's foreign key: ErrNotFound, nothing written.
func (s *Store) ResetPasskeys(ctx context.Context, userID string, link storage.Enrollment, event storage.SecurityEvent) error {
	if link.UserID != "" && link.UserID != userID {
		return wrap("reset passkeys", fmt.Errorf("the link is for user %q, not %q: %w", link.UserID, userID, storage.ErrConflict))
	}
	link.UserID = userID
	es, err := storage.EventsFor(userID, event)
	if err != nil {
		return wrap("reset passkeys", err)
	}
	err = s.write(ctx, func(tx *txn) error {
		for _, q := range []string{
			`DELETE FROM passkeys WHERE user_id = ?`,
			`DELETE FROM sessions WHERE user_id = ?`,
			`DELETE FROM recovery_codes WHERE user_id = ?`,
			`DELETE FROM access_tokens WHERE user_id = ?`,
			`DELETE FROM refresh_tokens WHERE user_id = ?`,
			`DELETE FROM enrollments WHERE user_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return err
			}
		}
		if err := insertEnrollment(ctx, tx, link); err != nil {
			return err
		}
		return insertEvents(ctx, tx, es...)
	})
	return wrap("reset passkeys", err)
}
