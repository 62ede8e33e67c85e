package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/latchkey-id/latchkey/storage"
)

// ReplaceRecoveryCodes deletes the user's recovery codes and stores codes
// and the event, in one transaction. A code or event without a user gets
// userID; one of another user is ErrConflict, and an unknown user
// ErrNotFound.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, codes []storage.RecoveryCode, event *storage.SecurityEvent) error {
	const op = "replace recovery codes"
	es, err := storage.EventsFor(userID, storage.OptionalEvent(event)...)
	if err != nil {
		return wrap(op, err)
	}
	for _, c := range codes {
		if c.UserID != "" && c.UserID != userID {
			return wrap(op, fmt.Errorf("code %q is for user %q, not %q: %w", c.ID, c.UserID, userID, storage.ErrConflict))
		}
	}
	err = s.write(ctx, func(tx *txn) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)`, userID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return notFound("user " + userID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (id, user_id, hash, created_at, used_at)
				VALUES (?, ?, ?, ?, ?)`, c.ID, userID, c.Hash, micros(c.CreatedAt), nullMicros(c.UsedAt)); err != nil {
				return err
			}
		}
		return insertEvents(ctx, tx, es...)
	})
	return wrap(op, err)
}

// RecoveryCodes returns the user's codes, used ones included, oldest first
// (id breaks ties); nil when there are none.
func (s *Store) RecoveryCodes(ctx context.Context, userID string) ([]storage.RecoveryCode, error) {
	rows, err := s.readStmts.QueryContext(ctx, `SELECT id, user_id, hash, created_at, used_at FROM recovery_codes
		WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, wrap("recovery codes", err)
	}
	defer rows.Close()
	var cs []storage.RecoveryCode
	for rows.Next() {
		var c storage.RecoveryCode
		if err := rows.Scan(&c.ID, &c.UserID, &c.Hash, timeCol{&c.CreatedAt}, timeCol{&c.UsedAt}); err != nil {
			return nil, wrap("recovery codes", err)
		}
		cs = append(cs, c)
	}
	return cs, wrap("recovery codes", rows.Err())
}

// RedeemRecoveryCode marks the unused code as used (at the store's clock)
// and stores the enrollment link and the event, in one transaction. The
// conditional UPDATE … RETURNING is the single-use step: of concurrent
// callers the first sets used_at and the rest match nothing (ErrNotFound).
// The link and the event belong to the code's user: either without a user
// gets it, and a code of another user than theirs is ErrConflict; any
// failure rolls the UPDATE back, leaving the code unused.
func (s *Store) RedeemRecoveryCode(ctx context.Context, codeID string, link storage.Enrollment, event storage.SecurityEvent) error {
	err := s.write(ctx, func(tx *txn) error {
		var owner string
		err := tx.QueryRowContext(ctx, `UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL
			RETURNING user_id`, s.nowMicros(), codeID).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("unused recovery code " + codeID)
		}
		if err != nil {
			return err
		}
		if link.UserID == "" {
			link.UserID = owner
		}
		if link.UserID != owner {
			return fmt.Errorf("the code is user %q's, the link for %q: %w", owner, link.UserID, storage.ErrConflict)
		}
		es, err := storage.EventsFor(owner, event)
		if err != nil {
			return err
		}
		if err := insertEnrollment(ctx, tx, link); err != nil {
			return err
		}
		return insertEvents(ctx, tx, es...)
	})
	return wrap("redeem recovery code", err)
}
