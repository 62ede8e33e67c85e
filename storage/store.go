package storage

import (
	"context"
	"time"
)

// Store is everything Latchkey keeps. See the package doc for the rules
// every method keeps (one transaction each, atomic single use, expiry, UTC).
type Store interface {
	// Users.

	// CreateUser adds a user and, when invite is not nil, its enrollment
	// link, in one transaction. A taken email or WebAuthn id is ErrAlreadyExists.
	CreateUser(ctx context.Context, u User, invite *Enrollment) error
	User(ctx context.Context, id string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByWebAuthnID(ctx context.Context, webauthnID []byte) (User, error)
	// ListUsers returns all users, oldest first.
	ListUsers(ctx context.Context) ([]User, error)
	CountUsers(ctx context.Context) (int, error)
	// DeleteUser removes the user with everything that belongs to them:
	// passkeys, sessions, enrollments, ceremonies, auth requests and tokens.
	DeleteUser(ctx context.Context, id string) error

	// Passkeys.

	// PasskeysByUser returns the user's passkeys, oldest first (none is not an error).
	PasskeysByUser(ctx context.Context, userID string) ([]Passkey, error)
	PasskeyByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error)
	// Passkey returns one of the user's passkeys; another user's, or an
	// unknown id, is ErrNotFound.
	Passkey(ctx context.Context, userID, passkeyID string) (Passkey, error)
	// AddPasskey stores another passkey of an existing user together with
	// the event (when not nil). A taken credential id is ErrAlreadyExists;
	// an unknown user ErrNotFound.
	AddPasskey(ctx context.Context, p Passkey, event *SecurityEvent) error
	// RenamePasskey changes the name of one of the user's passkeys and
	// returns it; another user's or an unknown id is ErrNotFound.
	RenamePasskey(ctx context.Context, userID, passkeyID, name string, event *SecurityEvent) (Passkey, error)
	// DeletePasskey removes one of the user's passkeys with the event. It is
	// ErrNotFound for another user's or an unknown id, and ErrConflict —
	// writing nothing — when the user would be left with neither a passkey
	// nor an unused recovery code. The check and the delete are atomic, so
	// two concurrent deletes cannot both pass it.
	DeletePasskey(ctx context.Context, userID, passkeyID string, event *SecurityEvent) error
	// FlagPasskey sets the passkey's CloneWarning (a sign counter went
	// backwards) and records the event, in one transaction.
	FlagPasskey(ctx context.Context, passkeyID string, event SecurityEvent) error
	// ResetPasskeys removes all of a user's passkeys, sessions, recovery
	// codes, access and refresh tokens and earlier enrollment links, and
	// stores a new enrollment link and the event, in one transaction (an
	// operator's reset after a lost — perhaps stolen — device: nothing the
	// old device holds may keep working).
	ResetPasskeys(ctx context.Context, userID string, link Enrollment, event SecurityEvent) error

	// Security events.

	// RecordEvent stores one security event.
	RecordEvent(ctx context.Context, e SecurityEvent) error
	// SecurityEvents returns the user's newest events first, at most limit.
	SecurityEvents(ctx context.Context, userID string, limit int) ([]SecurityEvent, error)

	// Recovery codes.

	// ReplaceRecoveryCodes deletes the user's recovery codes and stores new
	// ones with the event, in one transaction.
	ReplaceRecoveryCodes(ctx context.Context, userID string, codes []RecoveryCode, event *SecurityEvent) error
	// RecoveryCodes returns the user's codes, used ones included.
	RecoveryCodes(ctx context.Context, userID string) ([]RecoveryCode, error)
	// RedeemRecoveryCode marks the unused code as used and stores the
	// enrollment link it buys and the event, in one transaction; a used or
	// unknown code is ErrNotFound and writes nothing. Of concurrent callers
	// exactly one succeeds.
	RedeemRecoveryCode(ctx context.Context, codeID string, link Enrollment, event SecurityEvent) error

	// Sign-up email codes.

	// SaveEmailCode stores a code for an email, replacing any earlier one
	// (and its attempt count).
	SaveEmailCode(ctx context.Context, c EmailCode) error
	// ConsumeEmailCode checks a guess for the email's unexpired code. A
	// right guess deletes the code and returns it. A wrong guess counts an
	// attempt and is ErrNotFound; the guess that reaches maxAttempts wrong
	// ones deletes the code. No code, or an expired one, is ErrNotFound.
	// The check is atomic: concurrent guesses cannot exceed maxAttempts.
	ConsumeEmailCode(ctx context.Context, email string, hash []byte, maxAttempts int) (EmailCode, error)

	// WebAuthn ceremonies.

	// CreateCeremony stores a ceremony; a taken hash is ErrAlreadyExists.
	CreateCeremony(ctx context.Context, c Ceremony) error
	// ConsumeCeremony deletes and returns the unexpired ceremony with this
	// hash. Of concurrent callers exactly one gets it; the rest get ErrNotFound.
	ConsumeCeremony(ctx context.Context, hash []byte) (Ceremony, error)

	// Enrollment links.

	CreateEnrollment(ctx context.Context, e Enrollment) error
	// Enrollment returns the unexpired, unused enrollment with this token hash.
	Enrollment(ctx context.Context, tokenHash []byte) (Enrollment, error)
	// FinishEnrollment consumes the enrollment and stores its first passkey
	// in one transaction. For an enrollment without a user (the setup
	// link), newUser is created first, p.UserID must be its id, and every
	// other enrollment without a user is deleted with it; otherwise newUser
	// must be nil and p.UserID must be the enrollment's user (else
	// ErrConflict). A used, expired or unknown token is ErrNotFound; a
	// taken credential id or email is ErrAlreadyExists and consumes nothing.
	// Of concurrent callers with one token exactly one succeeds.
	FinishEnrollment(ctx context.Context, tokenHash []byte, newUser *User, p Passkey) error

	// Clients.

	// CreateClient adds a client; a taken id is ErrAlreadyExists.
	CreateClient(ctx context.Context, c Client) error
	Client(ctx context.Context, id string) (Client, error)
	// ListClients returns all clients, oldest first.
	ListClients(ctx context.Context) ([]Client, error)
	// DeleteClient removes the client with its auth requests and tokens.
	DeleteClient(ctx context.Context, id string) error

	// Consents.

	// Consent returns the person's consent to a client; ErrNotFound if none.
	Consent(ctx context.Context, userID, clientID string) (Consent, error)
	// SaveConsent stores the consent, replacing the person's earlier one
	// for that client (its CreatedAt is kept). An unknown user or client is
	// ErrNotFound.
	SaveConsent(ctx context.Context, c Consent) error

	// Authorization requests and codes.

	CreateAuthRequest(ctx context.Context, a AuthRequest) error
	// AuthRequest returns the unexpired authorization request with this id.
	AuthRequest(ctx context.Context, id string) (AuthRequest, error)
	// CompleteAuthRequest records a sign-in on an unexpired request that is
	// neither done nor failed, and returns it; otherwise ErrNotFound.
	CompleteAuthRequest(ctx context.Context, id string, c Completion) (AuthRequest, error)
	// FailAuthRequest records an OAuth error on an unexpired request that is
	// neither done nor failed; otherwise ErrNotFound.
	FailAuthRequest(ctx context.Context, id, errorCode, description string) error
	DeleteAuthRequest(ctx context.Context, id string) error
	// SaveAuthCode stores the one code of a completed authorization request.
	// A request that already has a code is ErrAlreadyExists; an unknown,
	// expired or unfinished request is ErrNotFound.
	SaveAuthCode(ctx context.Context, c AuthCode) error
	// AuthCode returns the code with this hash together with its request.
	// An unused code past its expiry is ErrNotFound. A used code is
	// returned (UsedAt set, and the request if it still exists) until
	// DeleteExpired removes it, so that the caller can recognise a replay
	// and revoke the tokens of its grant (FamilyID = AuthRequestID).
	AuthCode(ctx context.Context, hash []byte) (AuthCode, AuthRequest, error)

	// Tokens.

	// RedeemCode marks the unused, unexpired code as used and stores the
	// tokens issued for it, in one transaction; otherwise ErrNotFound and
	// nothing is written. Of concurrent callers exactly one succeeds. When
	// the code's request was completed in a browser session, it also
	// records that the session signed into the request's client (see
	// SessionClients).
	RedeemCode(ctx context.Context, codeHash []byte, at AccessToken, rt *RefreshToken) error
	// RotateRefreshToken marks the unrotated, unexpired refresh token with
	// oldHash as rotated and stores its successors, in one transaction;
	// otherwise ErrNotFound and nothing is written. Of concurrent callers
	// exactly one succeeds.
	RotateRefreshToken(ctx context.Context, oldHash []byte, at AccessToken, rt RefreshToken) error
	// AccessToken returns the unexpired, unrevoked access token with this id.
	AccessToken(ctx context.Context, id string) (AccessToken, error)
	// RefreshToken returns the unexpired refresh token with this hash,
	// rotated ones included (RotatedAt set).
	RefreshToken(ctx context.Context, hash []byte) (RefreshToken, error)
	// RevokeAccessToken removes one access token; an unknown id is not an error.
	RevokeAccessToken(ctx context.Context, id string) error
	// RevokeFamily removes every access and refresh token of one grant.
	RevokeFamily(ctx context.Context, familyID string) error

	// Browser sessions.

	// RecordSignIn writes one successful sign-in in one transaction: the
	// passkey's use, a new session and, if asked, the completion of an
	// authorization request. If the request cannot be completed (see
	// CompleteAuthRequest) it returns ErrNotFound and writes nothing.
	RecordSignIn(ctx context.Context, s SignIn) error
	// RefreshSessionAuth records a new passkey ceremony (step-up) in a
	// session — its AuthTime and AMR — and writes the passkey's use, in one
	// transaction. An unknown or expired session, or a passkey that is not
	// the session user's, is ErrNotFound.
	RefreshSessionAuth(ctx context.Context, sessionID string, authTime time.Time, amr []string, passkeyID string, use PasskeyUse) error
	// SessionByToken returns the unexpired session with this token hash.
	SessionByToken(ctx context.Context, tokenHash []byte) (Session, error)
	// DeleteSession ends a session; an unknown id is not an error.
	DeleteSession(ctx context.Context, id string) error
	// SessionClients returns the ids of the clients that redeemed a code
	// issued in this session, each once, oldest first; they are forgotten
	// with the session (DeleteSession, DeleteUser, expiry).
	SessionClients(ctx context.Context, sessionID string) ([]string, error)

	// Signing keys.

	// SigningKeys returns every key not past its ExpiresAt, newest first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// AddSigningKey stores a new active key. If an active key of the same
	// algorithm exists it returns ErrConflict and stores nothing, so that
	// replicas starting together agree on one key.
	AddSigningKey(ctx context.Context, k SigningKey) error
	// RotateSigningKey retires the active key retireID (published until
	// retireUntil) and makes next the active key of its algorithm, in one
	// transaction. If retireID is no longer active it returns ErrConflict:
	// another replica rotated first.
	RotateSigningKey(ctx context.Context, retireID string, retireUntil time.Time, next SigningKey) error

	// Upkeep.

	// DeleteExpired removes rows past their expiry and returns how many it
	// removed. Codes, used or not, are kept for an hour past their expiry so
	// that a late replay is still recognised; rotated refresh tokens are
	// kept until their own expiry for the same reason.
	DeleteExpired(ctx context.Context) (int64, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the connections.
	Close() error
}

// Options are the settings every backend takes.
type Options struct {
	// Now is the clock that decides expiry; time.Now when nil.
	Now func() time.Time
}

// Clock returns o.Now, or time.Now when it is not set.
func (o Options) Clock() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}
