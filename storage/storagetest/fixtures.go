package storagetest

import (
	"strings"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// Values with every field set (so a column that is not written or read back
// shows), times from the fake clock. new* builds a value; the methods
// without the prefix also store it.

func (e *env) newUser() storage.User {
	now := e.clk.Now()
	return storage.User{
		ID:            secrets.ID(),
		WebAuthnID:    secrets.Bytes(64),
		Email:         strings.ToLower(secrets.ID()) + "@example.com",
		Name:          "Ada Lovelace",
		EmailVerified: true,
		Admin:         true,
		CreatedAt:     now,
		UpdatedAt:     now.Add(time.Second + 1),
	}
}

func (e *env) user(t *testing.T) storage.User {
	t.Helper()
	u := e.newUser()
	must(t, e.s.CreateUser(e.ctx, u, nil))
	return u
}

func (e *env) newPasskey(userID string) storage.Passkey {
	now := e.clk.Now()
	return storage.Passkey{
		ID:                secrets.ID(),
		UserID:            userID,
		CredentialID:      secrets.Bytes(32),
		PublicKey:         secrets.Bytes(77),
		AttestationType:   "none",
		AttestationFormat: "packed",
		AAGUID:            secrets.Bytes(16),
		SignCount:         4000000000, // above 2^31: an int32 column would break it
		CloneWarning:      false,
		Attachment:        "platform",
		UserPresent:       true,
		UserVerified:      true,
		BackupEligible:    true,
		BackupState:       false,
		Transports:        []string{"internal", "hybrid"},
		Attestation:       []byte(`{"clientDataJSON":"e30","publicKeyAlgorithm":-7}`),
		Extensions:        []byte(`{"credProps":{"rk":true}}`),
		Name:              "Ada’s MacBook",
		CreatedAt:         now,
	}
}

func (e *env) newEnrollment(userID string) storage.Enrollment {
	now := e.clk.Now()
	return storage.Enrollment{
		TokenHash: secrets.Bytes(32),
		UserID:    userID,
		Purpose:   "invite",
		CreatedAt: now,
		ExpiresAt: now.Add(24 * time.Hour),
	}
}

func (e *env) enrollment(t *testing.T, userID string) storage.Enrollment {
	t.Helper()
	en := e.newEnrollment(userID)
	must(t, e.s.CreateEnrollment(e.ctx, en))
	return en
}

// passkey stores a passkey for the user the only way there is: through an
// enrollment.
func (e *env) passkey(t *testing.T, userID string) storage.Passkey {
	t.Helper()
	en := e.enrollment(t, userID)
	p := e.newPasskey(userID)
	must(t, e.s.FinishEnrollment(e.ctx, en.TokenHash, nil, p))
	return p
}

func (e *env) newCeremony(userID, authRequestID string) storage.Ceremony {
	now := e.clk.Now()
	return storage.Ceremony{
		Hash:          secrets.Bytes(32),
		Kind:          "login",
		AuthRequestID: authRequestID,
		UserID:        userID,
		Data:          []byte(`{"challenge":"` + secrets.Token() + `"}`),
		CreatedAt:     now,
		ExpiresAt:     now.Add(5 * time.Minute),
	}
}

func (e *env) newClient() storage.Client {
	return storage.Client{
		ID:                     secrets.ID(),
		SecretHash:             secrets.Bytes(32),
		Name:                   "Grafana",
		RedirectURIs:           []string{"https://grafana.example/login/generic_oauth", "http://localhost:3000/cb"},
		PostLogoutRedirectURIs: []string{"https://grafana.example/"},
		IDTokenAlg:             "ES256",
		IDTokenUserinfoClaims:  true,
		RequireConsent:         true,
		BackchannelLogoutURI:   "https://grafana.example/backchannel-logout",
		CreatedAt:              e.clk.Now(),
	}
}

func (e *env) client(t *testing.T) storage.Client {
	t.Helper()
	c := e.newClient()
	must(t, e.s.CreateClient(e.ctx, c))
	return c
}

func ptr[T any](v T) *T { return &v }

func (e *env) newAuthRequest(clientID string) storage.AuthRequest {
	now := e.clk.Now()
	return storage.AuthRequest{
		ID:                  secrets.ID(),
		ClientID:            clientID,
		RedirectURI:         "https://grafana.example/login/generic_oauth",
		Scopes:              []string{"openid", "email", "profile", "offline_access"},
		ResponseType:        "code",
		ResponseMode:        "query",
		State:               secrets.ID(),
		Nonce:               secrets.ID(),
		CodeChallenge:       secrets.Token(),
		CodeChallengeMethod: "S256",
		Prompt:              []string{"login", "consent"},
		MaxAge:              ptr(int64(0)), // max_age=0 must stay apart from no max_age
		LoginHint:           "ada@example.com",
		HintSubject:         secrets.ID(),
		UILocales:           []string{"de-CH", "en"},
		ACRValues:           []string{"phr"},
		CreatedAt:           now,
		ExpiresAt:           now.Add(30 * time.Minute),
	}
}

func (e *env) authRequest(t *testing.T, clientID string) storage.AuthRequest {
	t.Helper()
	a := e.newAuthRequest(clientID)
	must(t, e.s.CreateAuthRequest(e.ctx, a))
	return a
}

func (e *env) completion(userID string) storage.Completion {
	return storage.Completion{
		UserID:    userID,
		AuthTime:  e.clk.Now().Add(-time.Second),
		AMR:       []string{"hwk", "user"},
		SessionID: secrets.ID(),
	}
}

// completed applies c to a, as CompleteAuthRequest does.
func completed(a storage.AuthRequest, c storage.Completion) storage.AuthRequest {
	a.UserID, a.AuthTime, a.AMR, a.SessionID, a.Done = c.UserID, c.AuthTime, c.AMR, c.SessionID, true
	return a
}

// doneAuthRequest stores an authorization request that a sign-in completed.
func (e *env) doneAuthRequest(t *testing.T, clientID, userID string) storage.AuthRequest {
	t.Helper()
	a := e.authRequest(t, clientID)
	done, err := e.s.CompleteAuthRequest(e.ctx, a.ID, e.completion(userID))
	must(t, err)
	return done
}

func (e *env) newCode(authRequestID string) storage.AuthCode {
	now := e.clk.Now()
	return storage.AuthCode{
		Hash:          secrets.Bytes(32),
		AuthRequestID: authRequestID,
		CreatedAt:     now,
		ExpiresAt:     now.Add(time.Minute),
	}
}

func (e *env) newAccessToken(familyID, clientID, userID string) storage.AccessToken {
	now := e.clk.Now()
	return storage.AccessToken{
		ID:             secrets.ID(),
		FamilyID:       familyID,
		ClientID:       clientID,
		UserID:         userID,
		Scopes:         []string{"openid", "email"},
		Audience:       []string{clientID, "https://api.example"},
		RefreshTokenID: secrets.ID(),
		AuthTime:       now.Add(-2 * time.Minute),
		CreatedAt:      now,
		ExpiresAt:      now.Add(time.Hour),
	}
}

func (e *env) newRefreshToken(familyID, clientID, userID string) storage.RefreshToken {
	now := e.clk.Now()
	return storage.RefreshToken{
		ID:        secrets.ID(),
		Hash:      secrets.Bytes(32),
		FamilyID:  familyID,
		ClientID:  clientID,
		UserID:    userID,
		Scopes:    []string{"openid", "offline_access"},
		Audience:  []string{clientID},
		AuthTime:  now.Add(-time.Minute),
		AMR:       []string{"hwk", "user"},
		SessionID: secrets.ID(),
		CreatedAt: now,
		ExpiresAt: now.Add(30 * 24 * time.Hour),
	}
}

// grant is one authorization code grant, redeemed: the completed request,
// its (used) code and the tokens issued for it.
type grant struct {
	req     storage.AuthRequest
	code    storage.AuthCode
	access  storage.AccessToken
	refresh storage.RefreshToken
}

func (e *env) grant(t *testing.T, clientID, userID string) grant {
	t.Helper()
	g := grant{req: e.doneAuthRequest(t, clientID, userID)}
	g.code = e.newCode(g.req.ID)
	must(t, e.s.SaveAuthCode(e.ctx, g.code))
	g.access = e.newAccessToken(g.req.ID, clientID, userID)
	g.refresh = e.newRefreshToken(g.req.ID, clientID, userID)
	g.access.RefreshTokenID = g.refresh.ID
	must(t, e.s.RedeemCode(e.ctx, g.code.Hash, g.access, &g.refresh))
	g.code.UsedAt = e.clk.Now()
	return g
}

func (e *env) newSession(userID string) storage.Session {
	now := e.clk.Now()
	return storage.Session{
		ID:        secrets.ID(),
		TokenHash: secrets.Bytes(32),
		UserID:    userID,
		AuthTime:  now,
		AMR:       []string{"hwk", "user"},
		IP:        "2001:db8::7",
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64)",
		CreatedAt: now,
		ExpiresAt: now.Add(12 * time.Hour),
	}
}

func (e *env) newSignIn(p storage.Passkey, authRequestID string) storage.SignIn {
	return storage.SignIn{
		PasskeyID: p.ID,
		Use: storage.PasskeyUse{
			SignCount:    p.SignCount + 1,
			CloneWarning: true,
			BackupState:  !p.BackupState,
			UserVerified: !p.UserVerified,
			UsedAt:       e.clk.Now(),
		},
		Session:       e.newSession(p.UserID),
		AuthRequestID: authRequestID,
	}
}

// used applies a sign-in's use to p, as RecordSignIn does.
func used(p storage.Passkey, u storage.PasskeyUse) storage.Passkey {
	p.SignCount, p.CloneWarning, p.BackupState, p.UserVerified, p.LastUsedAt = u.SignCount, u.CloneWarning, u.BackupState, u.UserVerified, u.UsedAt
	return p
}

// session stores a session for the user through a sign-in without an
// authorization request.
func (e *env) session(t *testing.T, p storage.Passkey) storage.Session {
	t.Helper()
	in := e.newSignIn(p, "")
	must(t, e.s.RecordSignIn(e.ctx, in))
	return in.Session
}

func (e *env) newSigningKey(alg string) storage.SigningKey {
	return storage.SigningKey{
		ID:         secrets.ID(),
		Algorithm:  alg,
		PrivateKey: secrets.Bytes(60),
		PublicKey:  secrets.Bytes(65),
		CreatedAt:  e.clk.Now(),
	}
}
