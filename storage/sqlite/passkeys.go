package sqlite

import (
	"context"

	"github.com/latchkey-id/latchkey/storage"
)

const passkeyColumns = `id, user_id, credential_id, public_key, attestation_type, attestation_format,
	aaguid, sign_count, clone_warning, attachment, user_present, user_verified, backup_eligible,
	backup_state, transports, attestation, extensions, name, created_at, last_used_at`

func scanPasskey(sc scanner) (storage.Passkey, error) {
	var p storage.Passkey
	err := sc.Scan(&p.ID, &p.UserID, &p.CredentialID, &p.PublicKey, &p.AttestationType, &p.AttestationFormat,
		&p.AAGUID, &p.SignCount, &p.CloneWarning, &p.Attachment, &p.UserPresent, &p.UserVerified, &p.BackupEligible,
		&p.BackupState, listCol{&p.Transports}, &p.Attestation, &p.Extensions, &p.Name,
		timeCol{&p.CreatedAt}, timeCol{&p.LastUsedAt})
	return p, err
}

// insertPasskey stores a passkey (FinishEnrollment, AddPasskey).
func insertPasskey(ctx context.Context, tx *txn, p storage.Passkey) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO passkeys (`+passkeyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.UserID, p.CredentialID, p.PublicKey, p.AttestationType, p.AttestationFormat,
		p.AAGUID, p.SignCount, p.CloneWarning, p.Attachment, p.UserPresent, p.UserVerified, p.BackupEligible,
		p.BackupState, jsonList(p.Transports), p.Attestation, p.Extensions, p.Name,
		micros(p.CreatedAt), nullMicros(p.LastUsedAt))
	return err
}

// PasskeysByUser returns the user's passkeys, oldest first; none (or an
// unknown user) is a nil slice, not an error.
func (s *Store) PasskeysByUser(ctx context.Context, userID string) ([]storage.Passkey, error) {
	rows, err := s.readStmts.QueryContext(ctx,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, wrap("passkeys by user", err)
	}
	defer rows.Close()
	var passkeys []storage.Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, wrap("passkeys by user", err)
		}
		passkeys = append(passkeys, p)
	}
	return passkeys, wrap("passkeys by user", rows.Err())
}

// PasskeyByCredentialID returns the passkey with this WebAuthn credential id.
func (s *Store) PasskeyByCredentialID(ctx context.Context, credentialID []byte) (storage.Passkey, error) {
	p, err := scanPasskey(s.readStmts.QueryRowContext(ctx,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE credential_id = ?`, credentialID))
	return p, wrap("passkey by credential id", err)
}

// usePasskey writes a sign-in's results back to the passkey, which must be
// userID's: a passkey of someone else, or none, is ErrNotFound.
func usePasskey(ctx context.Context, tx *txn, id, userID string, u storage.PasskeyUse) error {
	res, err := tx.ExecContext(ctx, `UPDATE passkeys
		SET sign_count = ?, clone_warning = ?, backup_state = ?, user_verified = ?, last_used_at = ?
		WHERE id = ? AND user_id = ?`,
		u.SignCount, u.CloneWarning, u.BackupState, u.UserVerified, nullMicros(u.UsedAt), id, userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return notFound("passkey " + id + " of user " + userID)
	}
	return nil
}
