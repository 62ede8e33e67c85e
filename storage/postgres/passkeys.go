package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/storage"
)

const passkeyColumns = `id, user_id, credential_id, public_key, attestation_type, attestation_format,
	aaguid, sign_count, clone_warning, attachment, user_present, user_verified, backup_eligible,
	backup_state, nullif(transports, '{}'), attestation, extensions, name, created_at, last_used_at`

func scanPasskey(row pgx.Row) (storage.Passkey, error) {
	var p storage.Passkey
	err := row.Scan(&p.ID, &p.UserID, &p.CredentialID, &p.PublicKey, &p.AttestationType, &p.AttestationFormat,
		&p.AAGUID, &p.SignCount, &p.CloneWarning, &p.Attachment, &p.UserPresent, &p.UserVerified, &p.BackupEligible,
		&p.BackupState, &p.Transports, &p.Attestation, &p.Extensions, &p.Name, ts(&p.CreatedAt), ts(&p.LastUsedAt))
	return p, err
}

// insertPasskeySQL stores a passkey from passkeyArgs; a statement of its
// own (FinishEnrollment) or the head of a CTE (AddPasskey).
const insertPasskeySQL = `INSERT INTO passkeys (id, user_id, credential_id, public_key, attestation_type,
	attestation_format, aaguid, sign_count, clone_warning, attachment, user_present, user_verified,
	backup_eligible, backup_state, transports, attestation, extensions, name, created_at, last_used_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`

// passkeyArgs are the parameters $1…$20 of insertPasskeySQL.
func passkeyArgs(p storage.Passkey) []any {
	return []any{p.ID, p.UserID, p.CredentialID, p.PublicKey, p.AttestationType,
		p.AttestationFormat, p.AAGUID, int64(p.SignCount), p.CloneWarning, p.Attachment, p.UserPresent, p.UserVerified,
		p.BackupEligible, p.BackupState, list(p.Transports), p.Attestation, p.Extensions, p.Name, p.CreatedAt, optionalTime(p.LastUsedAt)}
}

// insertPasskey stores p.
func insertPasskey(ctx context.Context, q querier, p storage.Passkey) error {
	_, err := q.Exec(ctx, insertPasskeySQL, passkeyArgs(p)...)
	return err
}

// PasskeysByUser returns the user's passkeys, oldest first; none (or an
// unknown user) is a nil slice, not an error.
func (s *Store) PasskeysByUser(ctx context.Context, userID string) ([]storage.Passkey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+passkeyColumns+` FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, wrap("passkeys by user", err)
	}
	ps, err := collect(rows, scanPasskey)
	return ps, wrap("passkeys by user", err)
}

// PasskeyByCredentialID returns the passkey with this WebAuthn credential id.
func (s *Store) PasskeyByCredentialID(ctx context.Context, credentialID []byte) (storage.Passkey, error) {
	p, err := scanPasskey(s.pool.QueryRow(ctx, `SELECT `+passkeyColumns+` FROM passkeys WHERE credential_id = $1`, credentialID))
	return p, wrap("passkey by credential id", err)
}
