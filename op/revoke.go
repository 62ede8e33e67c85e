package op

import (
	"context"
	"errors"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// Refresh tokens reach RevokeToken through GetRefreshTokenInfo as one of
// these ids, since the store finds refresh tokens only by hash.
const (
	familyPrefix   = "family/"
	foreignRefresh = "foreign-refresh-token"
)

// GetRefreshTokenInfo recognises a refresh token at the revocation
// endpoint. Anything else is op.ErrInvalidRefreshToken, and zitadel then
// tries it as an access token.
func (s *Storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	rt, err := s.store.RefreshToken(ctx, secrets.Hash(token))
	if errors.Is(err, storage.ErrNotFound) {
		return "", "", zop.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", s.errUnavailable(ctx, "get refresh token", err)
	}
	if rt.ClientID != clientID {
		return rt.UserID, foreignRefresh, nil
	}
	return rt.UserID, familyPrefix + rt.FamilyID, nil
}

// RevokeToken revokes an access token (by id) or a refresh token (as
// GetRefreshTokenInfo named it) for the authenticated client (RFC 7009).
// Revoking a refresh token revokes its whole grant, access tokens too
// (§2.1). An unknown token is not an error (§2.2). A token of another
// client is refused and stays valid (§2.1).
func (s *Storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	refused := oidc.ErrUnauthorizedClient().WithDescription("The token was not issued to this client.")
	if tokenOrID == foreignRefresh {
		return refused
	}
	if family, ok := strings.CutPrefix(tokenOrID, familyPrefix); ok {
		if err := s.store.RevokeFamily(ctx, family); err != nil {
			return s.errUnavailable(ctx, "revoke refresh token", err)
		}
		return nil
	}
	at, err := s.store.AccessToken(ctx, tokenOrID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return s.errUnavailable(ctx, "get access token", err)
	}
	if at.ClientID != clientID || at.UserID != userID {
		return refused
	}
	if err := s.store.RevokeAccessToken(ctx, at.ID); err != nil {
		return s.errUnavailable(ctx, "revoke access token", err)
	}
	return nil
}

// SetIntrospectionFromToken describes an active access token to the client
// it was issued to (RFC 7662 §2.2). For any other caller, and for unknown,
// expired or revoked tokens, it fails and zitadel answers {"active":false}.
func (s *Storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	at, err := s.store.AccessToken(ctx, tokenID)
	if err != nil || at.UserID != subject || at.ClientID != clientID {
		return errInvalidToken
	}
	resp.Scope = at.Scopes
	resp.ClientID = at.ClientID
	resp.TokenType = oidc.BearerToken
	resp.Expiration = oidc.FromTime(at.ExpiresAt)
	resp.IssuedAt = oidc.FromTime(at.CreatedAt)
	resp.Subject = at.UserID
	resp.Audience = at.Audience
	resp.Issuer = s.cfg.Issuer
	resp.JWTID = at.ID
	return nil
}
