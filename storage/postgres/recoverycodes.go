package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

func scanRecoveryCode(row pgx.Row) (storage.RecoveryCode, error) {
	var c storage.RecoveryCode
	err := row.Scan(&c.ID, &c.UserID, &c.Hash, ts(&c.CreatedAt), ts(&c.UsedAt))
	return c, err
}

// ReplaceRecoveryCodes deletes the user's recovery codes and stores codes
// and the event, in one transaction. A code or event without a user gets
// userID; one of another user is ErrConflict, and an unknown user
// ErrNotFound. The transaction first locks the user's row (FOR NO KEY
// UPDATE, which foreign key checks do not wait for), so concurrent
// replacements take turns and the later one's fresh snapshot deletes the
// earlier one's codes: one set survives, never a mix.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, codes []storage.RecoveryCode, event *storage.SecurityEvent) error {
	const op = "replace recovery codes"
	es, err := storage.EventsFor(userID, storage.OptionalEvent(event)...)
	if err != nil {
		return wrap(op, err)
	}
	var (
		ids     = make([]string, len(codes))
		hashes  = make([][]byte, len(codes))
		created = make([]time.Time, len(codes))
		used    = make([]*time.Time, len(codes))
	)
	for i, c := range codes {
		if c.UserID != "" && c.UserID != userID {
			return fmt.Errorf("postgres: %s: code %q is for user %q, not %q: %w", op, c.ID, c.UserID, userID, storage.ErrConflict)
		}
		ids[i], hashes[i], created[i], used[i] = c.ID, c.Hash, c.CreatedAt, optionalTime(c.UsedAt)
	}
	err = s.inTx(ctx, func(q querier) error {
		var locked int
		if err := q.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, userID).Scan(&locked); err != nil {
			return err
		}
		_, err := q.Exec(ctx, `WITH owner AS (SELECT $1::text AS user_id),
			dropped AS (DELETE FROM recovery_codes WHERE user_id = $1),
			added AS (
				INSERT INTO recovery_codes (id, user_id, hash, created_at, used_at)
				SELECT c.id, $1, c.hash, c.created_at, c.used_at
				FROM unnest($2::text[], $3::bytea[], $4::timestamptz[], $5::timestamptz[]) AS c(id, hash, created_at, used_at)
			) `+insertEvents(6, "owner"),
			append([]any{userID, ids, hashes, created, used}, eventArgs(es)...)...)
		return err
	})
	return wrap(op, err)
}

// RecoveryCodes returns the user's codes, used ones included, oldest first
// (id breaks ties); nil when there are none.
func (s *Store) RecoveryCodes(ctx context.Context, userID string) ([]storage.RecoveryCode, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, user_id, hash, created_at, used_at FROM recovery_codes
		WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, wrap("recovery codes", err)
	}
	cs, err := collect(rows, scanRecoveryCode)
	return cs, wrap("recovery codes", err)
}

// RedeemRecoveryCode marks the unused code as used (at the store's clock)
// and stores the enrollment link and the event, in one statement: the
// UPDATE is the consumption — a concurrent caller re-checks used_at IS NULL
// after the winner's commit and matches nothing — and the inserts hang off
// its RETURNING, so a used or unknown code (ErrNotFound) writes nothing, and
// a failing insert (a taken token hash) leaves the code unused. The link
// and the event belong to the code's user: either without a user gets it,
// and a code of another user than theirs is ErrConflict.
func (s *Store) RedeemRecoveryCode(ctx context.Context, codeID string, link storage.Enrollment, event storage.SecurityEvent) error {
	const op = "redeem recovery code"
	owner := link.UserID
	if owner == "" {
		owner = event.UserID
	}
	if event.UserID != "" && event.UserID != owner {
		return fmt.Errorf("postgres: %s: the link is for user %q, the event for %q: %w", op, owner, event.UserID, storage.ErrConflict)
	}
	var n int
	err := s.pool.QueryRow(ctx, `WITH spent AS (
			UPDATE recovery_codes SET used_at = $2
			WHERE id = $1 AND used_at IS NULL AND ($3::text IS NULL OR user_id = $3)
			RETURNING user_id
		), link AS (
			INSERT INTO enrollments (token_hash, user_id, purpose, auth_request_id, created_at, expires_at)
			SELECT $4::bytea, user_id, $5::text, $6::text, $7::timestamptz, $8::timestamptz FROM spent
		), events AS (`+insertEvents(9, "spent")+`)
		SELECT count(*) FROM spent`,
		append([]any{codeID, s.now(), optional(owner), link.TokenHash, link.Purpose, optional(link.AuthRequestID),
			link.CreatedAt, link.ExpiresAt}, eventArgs([]storage.SecurityEvent{event})...)...).Scan(&n)
	if err != nil {
		return wrap(op, err)
	}
	if n == 1 {
		return nil
	}
	if owner != "" {
		// Only the failure path pays for telling another user's code apart.
		var codeUser string
		err := s.pool.QueryRow(ctx, `SELECT user_id FROM recovery_codes WHERE id = $1 AND used_at IS NULL`, codeID).Scan(&codeUser)
		if err == nil {
			return fmt.Errorf("postgres: %s: the code is user %q's, the link for %q: %w", op, codeUser, owner, storage.ErrConflict)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return wrap(op, err)
		}
	}
	return notFound(op)
}
