package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

// Passkey returns one of the user's passkeys; another user's, or an
// unknown id, is ErrNotFound.
func (s *Store) Passkey(ctx context.Context, userID, passkeyID string) (storage.Passkey, error) {
	p, err := scanPasskey(s.pool.QueryRow(ctx, `SELECT `+passkeyColumns+` FROM passkeys
		WHERE id = $1 AND user_id = $2`, passkeyID, userID))
	return p, wrap("passkey", err)
}

// AddPasskey stores another passkey of an existing user and the event, in
// one statement: a taken credential id (ErrAlreadyExists) or an unknown
// user (ErrNotFound) fails it whole, so no event is written either.
func (s *Store) AddPasskey(ctx context.Context, p storage.Passkey, event *storage.SecurityEvent) error {
	const op = "add passkey"
	es, err := storage.EventsFor(p.UserID, storage.OptionalEvent(event)...)
	if err != nil {
		return wrap(op, err)
	}
	_, err = s.pool.Exec(ctx, `WITH added AS (`+insertPasskeySQL+` RETURNING user_id) `+insertEvents(21, "added"),
		append(passkeyArgs(p), eventArgs(es)...)...)
	return wrap(op, err)
}

// RenamePasskey renames one of the user's passkeys and records the event,
// in one statement; the event is written only with the rename.
func (s *Store) RenamePasskey(ctx context.Context, userID, passkeyID, name string, event *storage.SecurityEvent) (storage.Passkey, error) {
	const op = "rename passkey"
	es, err := storage.EventsFor(userID, storage.OptionalEvent(event)...)
	if err != nil {
		return storage.Passkey{}, wrap(op, err)
	}
	p, err := scanPasskey(s.pool.QueryRow(ctx, `WITH renamed AS (
			UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2 RETURNING `+passkeyColumns+`
		), events AS (`+insertEvents(4, "renamed")+`)
		SELECT * FROM renamed`,
		append([]any{passkeyID, userID, name}, eventArgs(es)...)...))
	return p, wrap(op, err)
}

// DeletePasskey removes one of the user's passkeys and records the event,
// unless the user would be left with neither a passkey nor an unused
// recovery code (ErrConflict). The first statement locks every passkey of
// the user, in id order so that concurrent deletes queue rather than
// deadlock; a delete that waited re-reads them after the other committed
// (READ COMMITTED skips a locked row that was deleted meanwhile), so two
// deletes of a user's last two passkeys cannot both see the other one.
func (s *Store) DeletePasskey(ctx context.Context, userID, passkeyID string, event *storage.SecurityEvent) error {
	const op = "delete passkey"
	es, err := storage.EventsFor(userID, storage.OptionalEvent(event)...)
	if err != nil {
		return wrap(op, err)
	}
	err = s.inTx(ctx, func(q querier) error {
		var (
			target, others int
			unusedCode     bool
		)
		err := q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE id = $2), count(*) FILTER (WHERE id <> $2),
			EXISTS (SELECT 1 FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL)
			FROM (SELECT id FROM passkeys WHERE user_id = $1 ORDER BY id FOR UPDATE) AS locked`,
			userID, passkeyID).Scan(&target, &others, &unusedCode)
		switch {
		case err != nil:
			return err
		case target == 0:
			return fmt.Errorf("passkey %q of user %q: %w", passkeyID, userID, storage.ErrNotFound)
		case others == 0 && !unusedCode:
			return fmt.Errorf("the user's last passkey, and no unused recovery code: %w", storage.ErrConflict)
		}
		_, err = q.Exec(ctx, `WITH removed AS (DELETE FROM passkeys WHERE id = $1 RETURNING user_id) `+
			insertEvents(2, "removed"), append([]any{passkeyID}, eventArgs(es)...)...)
		return err
	})
	return wrap(op, err)
}

// FlagPasskey sets the passkey's CloneWarning and records the event, in
// one statement. The event's user, when set, must own the passkey: the
// UPDATE matches only then, and the failure path tells an unknown passkey
// (ErrNotFound) from another user's (ErrConflict).
func (s *Store) FlagPasskey(ctx context.Context, passkeyID string, event storage.SecurityEvent) error {
	const op = "flag passkey"
	tag, err := s.pool.Exec(ctx, `WITH flagged AS (
			UPDATE passkeys SET clone_warning = true WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) RETURNING user_id
		) `+insertEvents(3, "flagged"),
		append([]any{passkeyID, optional(event.UserID)}, eventArgs([]storage.SecurityEvent{event})...)...)
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		var owner string
		err := s.pool.QueryRow(ctx, `SELECT user_id FROM passkeys WHERE id = $1`, passkeyID).Scan(&owner)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound(op)
		}
		if err != nil {
			return wrap(op, err)
		}
		return fmt.Errorf("postgres: %s: the event is for user %q, the passkey is %q's: %w", op, event.UserID, owner, storage.ErrConflict)
	}
	return nil
}

// ResetPasskeys removes the user's passkeys, sessions and recovery codes
// and stores the enrollment link and the event, in one transaction. The
// passkeys go first, in a statement of their own: deleting them waits for
// any sign-in in flight (RecordSignIn locks its passkey), and a later
// sign-in finds no passkey; the second statement's fresh snapshot then sees
// every session such a sign-in created, so none survives the reset. An
// unknown user fails the link's foreign key: ErrNotFound, nothing written.
func (s *Store) ResetPasskeys(ctx context.Context, userID string, link storage.Enrollment, event storage.SecurityEvent) error {
	const op = "reset passkeys"
	if link.UserID != "" && link.UserID != userID {
		return fmt.Errorf("postgres: %s: the link is for user %q, not %q: %w", op, link.UserID, userID, storage.ErrConflict)
	}
	es, err := storage.EventsFor(userID, event)
	if err != nil {
		return wrap(op, err)
	}
	err = s.inTx(ctx, func(q querier) error {
		if _, err := q.Exec(ctx, `DELETE FROM passkeys WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err := q.Exec(ctx, `WITH ended AS (DELETE FROM sessions WHERE user_id = $1),
			dropped AS (DELETE FROM recovery_codes WHERE user_id = $1),
			revoked_access AS (DELETE FROM access_tokens WHERE user_id = $1),
			revoked_refresh AS (DELETE FROM refresh_tokens WHERE user_id = $1),
			voided AS (DELETE FROM enrollments WHERE user_id = $1),
			link AS (
				INSERT INTO enrollments (token_hash, user_id, purpose, auth_request_id, created_at, expires_at)
				VALUES ($2, $1, $3, $4, $5, $6) RETURNING user_id
			) `+insertEvents(7, "link"),
			append([]any{userID, link.TokenHash, link.Purpose, optional(link.AuthRequestID), link.CreatedAt, link.ExpiresAt},
				eventArgs(es)...)...)
		return err
	})
	return wrap(op, err)
}
