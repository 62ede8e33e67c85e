package op

import (
	"context"
	"errors"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// CreateAccessToken issues an access token for a code without
// offline_access. Redeeming the code and storing the token are one atomic
// step: of two concurrent redemptions exactly one succeeds, and the loser's
// attempt counts as a replay.
func (s *Storage) CreateAccessToken(ctx context.Context, request zop.TokenRequest) (string, time.Time, error) {
	req, ok := request.(*authRequest)
	if !ok || req.codeHash == nil {
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	at := s.newAccessToken(req.a.ID, req.a.ClientID, req.a.UserID, req.a.Scopes, req.a.AuthTime)
	if err := s.redeem(ctx, req, at, nil); err != nil {
		return "", time.Time{}, err
	}
	return at.ID, at.ExpiresAt, nil
}

// CreateAccessAndRefreshTokens issues an access and a refresh token, for a
// code with offline_access (currentRefreshToken "") or for a refresh grant,
// which rotates: the presented token is spent and a successor issued
// (RFC 9700 §4.14.2).
func (s *Storage) CreateAccessAndRefreshTokens(ctx context.Context, request zop.TokenRequest, currentRefreshToken string) (string, string, time.Time, error) {
	switch req := request.(type) {
	case *authRequest:
		if req.codeHash == nil || currentRefreshToken != "" {
			return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
		}
		a := req.a
		at := s.newAccessToken(a.ID, a.ClientID, a.UserID, a.Scopes, a.AuthTime)
		raw, rt := s.newRefreshToken(storage.RefreshToken{
			FamilyID: a.ID, ClientID: a.ClientID, UserID: a.UserID, Scopes: a.Scopes,
			Audience: []string{a.ClientID}, AuthTime: a.AuthTime, AMR: a.AMR, SessionID: a.SessionID,
		})
		at.RefreshTokenID = rt.ID
		if err := s.redeem(ctx, req, at, &rt); err != nil {
			return "", "", time.Time{}, err
		}
		return at.ID, raw, at.ExpiresAt, nil
	case *refreshRequest:
		old := req.rt
		// The access token carries the (possibly narrowed) scopes of this
		// request; the new refresh token keeps the grant's original scopes
		// (RFC 6749 §6).
		at := s.newAccessToken(old.FamilyID, old.ClientID, old.UserID, req.scopes, old.AuthTime)
		next := old
		raw, rt := s.newRefreshToken(next)
		at.RefreshTokenID = rt.ID
		err := s.store.RotateRefreshToken(ctx, secrets.Hash(currentRefreshToken), at, rt)
		if errors.Is(err, storage.ErrNotFound) {
			// Spent between lookup and rotation: a concurrent replay.
			s.revokeFamily(ctx, old.FamilyID, "refresh token used twice")
			return "", "", time.Time{}, invalidGrant("The refresh token is invalid.")
		}
		if err != nil {
			return "", "", time.Time{}, s.errUnavailable(ctx, "rotate refresh token", err)
		}
		return at.ID, raw, at.ExpiresAt, nil
	default:
		return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
}

// redeem spends the code and stores the tokens in one step.
func (s *Storage) redeem(ctx context.Context, req *authRequest, at storage.AccessToken, rt *storage.RefreshToken) error {
	err := s.store.RedeemCode(ctx, req.codeHash, at, rt)
	if errors.Is(err, storage.ErrNotFound) {
		s.revokeFamily(ctx, req.a.ID, "authorization code redeemed twice")
		return invalidGrant("The code was already used or has expired.")
	}
	if err != nil {
		return s.errUnavailable(ctx, "redeem code", err)
	}
	return nil
}

// newAccessToken records an access token of a grant. authTime is the
// grant's passkey ceremony, which step-up checks (RFC 9470).
func (s *Storage) newAccessToken(family, clientID, userID string, scopes []string, authTime time.Time) storage.AccessToken {
	now := s.now()
	return storage.AccessToken{
		ID:        secrets.ID(),
		FamilyID:  family,
		ClientID:  clientID,
		UserID:    userID,
		Scopes:    scopes,
		Audience:  []string{clientID},
		AuthTime:  authTime,
		CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.AccessTokenLifetime),
	}
}

// newRefreshToken fills in a fresh id, secret and lifetime on a template
// and returns the secret with the record that keeps only its hash.
func (s *Storage) newRefreshToken(t storage.RefreshToken) (string, storage.RefreshToken) {
	raw := secrets.Token()
	now := s.now()
	t.ID = secrets.ID()
	t.Hash = secrets.Hash(raw)
	t.CreatedAt = now
	t.ExpiresAt = now.Add(s.cfg.RefreshTokenLifetime)
	t.RotatedAt = time.Time{}
	return raw, t
}

// TokenRequestByRefreshToken finds the grant behind a refresh token. A
// token that was already rotated is a replay: the whole family is revoked
// (RFC 9700 §4.14.2), so the thief's and the owner's tokens all stop.
func (s *Storage) TokenRequestByRefreshToken(ctx context.Context, token string) (zop.RefreshTokenRequest, error) {
	rt, err := s.store.RefreshToken(ctx, secrets.Hash(token))
	if err != nil {
		return nil, s.notFoundOr(ctx, "get refresh token", err, invalidGrant("The refresh token is invalid."))
	}
	if !rt.RotatedAt.IsZero() {
		s.revokeFamily(ctx, rt.FamilyID, "rotated refresh token replayed")
		return nil, invalidGrant("The refresh token is invalid.")
	}
	return &refreshRequest{rt: rt, scopes: rt.Scopes}, nil
}

// refreshRequest presents a refresh token's grant to zitadel.
type refreshRequest struct {
	rt     storage.RefreshToken
	scopes []string
}

var _ zop.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string            { return r.rt.AMR }
func (r *refreshRequest) GetAudience() []string       { return r.rt.Audience }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.rt.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.rt.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.rt.UserID }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }
