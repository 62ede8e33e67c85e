package op

import (
	"context"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/latchkey-id/latchkey/storage"
)

// supportedClaims are advertised in discovery.
var supportedClaims = []string{
	"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "azp", "at_hash", "c_hash",
	"sid", "name", "preferred_username", "updated_at", "email", "email_verified",
}

// SetUserinfoFromScopes is deprecated in zitadel but still called first;
// SetUserinfoFromRequest does the work.
func (s *Storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the claims of an ID token. zitadel passes
// only the scopes whose claims belong in the ID token (OIDC Core §5.4: none
// of profile/email when an access token is issued too).
func (s *Storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req zop.IDTokenRequest, scopes []string) error {
	u, err := s.store.User(ctx, req.GetSubject())
	if err != nil {
		return s.notFoundOr(ctx, "get user", err, invalidGrant("The user no longer exists."))
	}
	setClaims(info, u, scopes)
	// sid ties the ID token to the OP session, so back-channel logout
	// tokens can name it (OpenID Back-Channel Logout 1.0 §2.1).
	if sid := sessionOf(req); sid != "" {
		info.AppendClaims("sid", sid)
	}
	return nil
}

func sessionOf(req zop.IDTokenRequest) string {
	switch r := req.(type) {
	case *authRequest:
		return r.a.SessionID
	case *refreshRequest:
		return r.rt.SessionID
	}
	return ""
}

// SetUserinfoFromToken answers the userinfo endpoint for an access token.
func (s *Storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	at, err := s.store.AccessToken(ctx, tokenID)
	if err != nil || at.UserID != subject {
		return s.notFoundOr(ctx, "get access token", err, errInvalidToken)
	}
	u, err := s.store.User(ctx, at.UserID)
	if err != nil {
		return s.notFoundOr(ctx, "get user", err, errInvalidToken)
	}
	setClaims(info, u, at.Scopes)
	return nil
}

// GetPrivateClaimsFromScopes feeds JWT access tokens, which Latchkey does
// not issue.
func (s *Storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// setClaims writes the standard claims a scope grants (OIDC Core §5.4).
// preferred_username is the email: Latchkey has no separate user name.
// email_verified is always explicit, true or false: relying parties such
// as oauth2-proxy refuse a missing one.
func setClaims(info *oidc.UserInfo, u storage.User, scopes []string) {
	info.Subject = u.ID
	if hasScope(scopes, oidc.ScopeProfile) {
		info.Name = u.Name
		info.PreferredUsername = u.Email
		info.UpdatedAt = oidc.FromTime(u.UpdatedAt)
	}
	if hasScope(scopes, oidc.ScopeEmail) {
		info.Email = u.Email
		info.EmailVerified = oidc.Bool(u.EmailVerified)
		info.AppendClaims("email_verified", u.EmailVerified)
	}
}
