package storage

import (
	"errors"
	"time"
)

// Sentinel errors. Backends wrap them (errors.Is works) and never let a
// driver error escape in their place.
var (
	// ErrNotFound: no such row, or it expired, or it was already consumed.
	ErrNotFound = errors.New("storage: not found")
	// ErrAlreadyExists: a unique value (email, credential id, client id, …) is taken.
	ErrAlreadyExists = errors.New("storage: already exists")
	// ErrConflict: the row changed under a compare-and-swap, or the
	// operation contradicts its current state.
	ErrConflict = errors.New("storage: conflict")
)

// User is a person who signs in with passkeys.
type User struct {
	// ID is the OIDC subject: random, URL-safe, never reused.
	ID string
	// WebAuthnID is the WebAuthn user handle: random bytes (at most 64), unique.
	WebAuthnID []byte
	// Email is unique; callers store it trimmed and lower-cased.
	Email         string
	Name          string
	EmailVerified bool
	Admin         bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Passkey is one WebAuthn credential of a user, with every field the
// WebAuthn library reports, so that it can be re-verified later.
type Passkey struct {
	// ID is opaque and random: what APIs show, never the credential id.
	ID     string
	UserID string
	// CredentialID is unique across all users.
	CredentialID      []byte
	PublicKey         []byte // COSE_Key
	AttestationType   string
	AttestationFormat string
	AAGUID            []byte // 16 bytes
	SignCount         uint32
	CloneWarning      bool
	Attachment        string
	UserPresent       bool
	UserVerified      bool
	BackupEligible    bool
	BackupState       bool
	Transports        []string
	// Attestation is the attestation evidence as JSON (client data,
	// authenticator data, attestation object, public key algorithm).
	Attestation []byte
	// Extensions is the credential's extension results as JSON, or nil.
	Extensions []byte
	Name       string
	CreatedAt  time.Time
	// LastUsedAt is zero until the passkey is first used to sign in.
	LastUsedAt time.Time
}

// PasskeyUse is what a sign-in writes back to the passkey it used.
type PasskeyUse struct {
	SignCount    uint32
	CloneWarning bool
	BackupState  bool
	UserVerified bool
	UsedAt       time.Time
}

// Ceremony is the server half of one WebAuthn ceremony between begin and
// finish. It is consumed once, whatever the outcome of finish.
type Ceremony struct {
	// Hash is the SHA-256 of a random value kept in the browser's HttpOnly
	// cookie, which binds the ceremony to that browser.
	Hash []byte
	// Kind names the ceremony ("login", "enroll", …); the store does not interpret it.
	Kind string
	// AuthRequestID is the authorization request the ceremony belongs to, or "".
	AuthRequestID string
	// UserID is the person the ceremony is for, or "" (discoverable login, setup).
	UserID string
	// Data is the ceremony's state as JSON (the WebAuthn session data and
	// whatever else finish needs); the store keeps it opaque.
	Data      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Enrollment is a one-time link that lets a person create a passkey.
type Enrollment struct {
	// TokenHash is the SHA-256 of the token in the link.
	TokenHash []byte
	// UserID is the person who enrolls. It is "" only for the setup link,
	// which creates its user (the first admin) when it is used.
	UserID string
	// Purpose says why the link exists ("invite", "setup", "recovery", …).
	Purpose string
	// AuthRequestID is the sign-in to continue after enrolling, or "".
	AuthRequestID string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// Client is an application registered to sign people in.
type Client struct {
	ID string
	// SecretHash is the SHA-256 of the client secret; nil for a public client.
	SecretHash             []byte
	Name                   string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	Public                 bool
	// IDTokenAlg is the algorithm of the client's ID tokens: "RS256" (the
	// default, also when "") or "ES256".
	IDTokenAlg string
	// IDTokenUserinfoClaims puts the profile and email claims in the ID
	// token too, for apps that read only the ID token.
	IDTokenUserinfoClaims bool
	// RequireConsent makes people approve the client and its scopes before
	// their first sign-in to it (first-party clients skip it).
	RequireConsent bool
	// BackchannelLogoutURI receives a logout token when a session that
	// signed into the client ends (OpenID Back-Channel Logout 1.0), or "".
	BackchannelLogoutURI string
	CreatedAt            time.Time
}

// Consent is a person's approval of a client for a set of scopes.
type Consent struct {
	UserID    string
	ClientID  string
	Scopes    []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AuthRequest is one authorization request, from /authorize until its code
// is redeemed.
type AuthRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	Scopes              []string
	ResponseType        string
	ResponseMode        string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	// MaxAge is max_age in seconds, or nil when the request had none.
	MaxAge    *int64
	LoginHint string
	// HintSubject is the subject of a valid id_token_hint, or "".
	HintSubject string
	UILocales   []string
	ACRValues   []string

	// Filled in by a successful sign-in (Done is then true).
	UserID    string
	AuthTime  time.Time
	AMR       []string
	SessionID string
	Done      bool

	// Filled in instead when the sign-in ended without one; the OP sends
	// it to the client as an error response.
	Error            string
	ErrorDescription string

	CreatedAt time.Time
	ExpiresAt time.Time
}

// Completion is what finishing an authorization request records.
type Completion struct {
	UserID    string
	AuthTime  time.Time
	AMR       []string
	SessionID string
}

// AuthCode is the authorization code issued for an authorization request.
type AuthCode struct {
	// Hash is the SHA-256 of the code.
	Hash          []byte
	AuthRequestID string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	// UsedAt is zero until the code is redeemed; a used code is kept so that
	// a replay can be recognised and the tokens issued from it revoked.
	UsedAt time.Time
}

// AccessToken is the record behind an opaque access token.
type AccessToken struct {
	ID string
	// FamilyID groups every token issued from one authorization grant (one
	// code and all refresh tokens rotated from it).
	FamilyID string
	ClientID string
	UserID   string
	Scopes   []string
	Audience []string
	// RefreshTokenID is the refresh token issued alongside, or "".
	RefreshTokenID string
	// AuthTime is when the person last did a passkey ceremony for the
	// grant (zero if unknown); step-up checks it (RFC 9470).
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
}

// RefreshToken is the record behind a refresh token. The token itself is
// random and only its hash is kept.
type RefreshToken struct {
	ID        string
	Hash      []byte
	FamilyID  string
	ClientID  string
	UserID    string
	Scopes    []string
	Audience  []string
	AuthTime  time.Time
	AMR       []string
	SessionID string
	CreatedAt time.Time
	ExpiresAt time.Time
	// RotatedAt is zero until the token is exchanged for a newer one; a
	// rotated token is kept so that its replay can be recognised.
	RotatedAt time.Time
}

// Session is a browser session at the OP, created by a passkey sign-in.
type Session struct {
	// ID is public and random (the OIDC "sid").
	ID string
	// TokenHash is the SHA-256 of the value in the session cookie.
	TokenHash []byte
	UserID    string
	// AuthTime is the time of the last passkey ceremony in this session.
	AuthTime  time.Time
	AMR       []string
	IP        string
	UserAgent string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SignIn is everything one successful passkey sign-in writes, together.
type SignIn struct {
	// PasskeyID and Use write the ceremony's results back to the passkey.
	PasskeyID string
	Use       PasskeyUse
	// Session is the browser session to create.
	Session Session
	// AuthRequestID, when not "", is completed with the session's user,
	// auth time, AMR and id.
	AuthRequestID string
	// Events are stored with the sign-in (e.g. "sign_in", "recovery_used").
	Events []SecurityEvent
}

// SigningKey is a token signing key. The private key arrives encrypted.
type SigningKey struct {
	// ID is the key id ("kid").
	ID        string
	Algorithm string
	// PrivateKey is the encrypted private key; the store never sees it in clear.
	PrivateKey []byte
	// PublicKey is the public key, in whatever encoding the keys package chose.
	PublicKey []byte
	CreatedAt time.Time
	// RetiredAt is zero while the key signs; set when a newer key took over.
	RetiredAt time.Time
	// ExpiresAt is zero while the key signs; a retired key stays published
	// until then, so tokens it signed can still be verified.
	ExpiresAt time.Time
}

// SecurityEvent is one entry of a person's security activity, shown on
// their account page.
type SecurityEvent struct {
	ID     string
	UserID string
	// Kind names what happened: "sign_in", "passkey_added",
	// "passkey_renamed", "passkey_removed", "clone_detected",
	// "recovery_codes_created", "recovery_used", "passkeys_reset", "signed_up".
	// The store does not interpret it.
	Kind string
	// PasskeyID is the passkey concerned, or "".
	PasskeyID string
	IP        string
	UserAgent string
	// Detail is a short text for people (e.g. the passkey's name).
	Detail    string
	CreatedAt time.Time
}

// RecoveryCode is one single-use recovery code; only a slow hash of it is
// kept (the hashing scheme is the caller's).
type RecoveryCode struct {
	ID        string
	UserID    string
	Hash      []byte
	CreatedAt time.Time
	// UsedAt is zero until the code is used.
	UsedAt time.Time
}

// EmailCode is a short code sent to an email address to prove it
// (sign-up). Only its hash is kept.
type EmailCode struct {
	Email string
	Hash  []byte
	// AuthRequestID is the sign-in the sign-up continues, or "".
	AuthRequestID string
	// Attempts counts wrong guesses so far.
	Attempts  int
	CreatedAt time.Time
	ExpiresAt time.Time
}
