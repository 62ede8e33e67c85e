package op

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// authRequest presents a stored authorization request to zitadel.
type authRequest struct {
	a storage.AuthRequest
	// codeHash is set when the request was found by its code, so that
	// issuing tokens can consume exactly that code.
	codeHash []byte
}

var _ zop.AuthRequest = (*authRequest)(nil)

func (r *authRequest) GetID() string                      { return r.a.ID }
func (r *authRequest) GetACR() string                     { return "" }
func (r *authRequest) GetAMR() []string                   { return r.a.AMR }
func (r *authRequest) GetAudience() []string              { return []string{r.a.ClientID} }
func (r *authRequest) GetAuthTime() time.Time             { return r.a.AuthTime }
func (r *authRequest) GetClientID() string                { return r.a.ClientID }
func (r *authRequest) GetNonce() string                   { return r.a.Nonce }
func (r *authRequest) GetRedirectURI() string             { return r.a.RedirectURI }
func (r *authRequest) GetScopes() []string                { return r.a.Scopes }
func (r *authRequest) GetState() string                   { return r.a.State }
func (r *authRequest) GetSubject() string                 { return r.a.UserID }
func (r *authRequest) Done() bool                         { return r.a.Done }
func (r *authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseType(r.a.ResponseType) }
func (r *authRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(r.a.ResponseMode) }

func (r *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if r.a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: r.a.CodeChallenge, Method: oidc.CodeChallengeMethod(r.a.CodeChallengeMethod)}
}

// CreateAuthRequest stores a request that authorize validated. It checks
// the PKCE policy again, since it is also zitadel's interface.
func (s *Storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, hintSubject string) (zop.AuthRequest, error) {
	if e := checkPKCE(req); e != nil {
		return nil, e
	}
	now := s.now()
	a := storage.AuthRequest{
		ID:                  secrets.ID(),
		ClientID:            req.ClientID,
		RedirectURI:         req.RedirectURI,
		Scopes:              req.Scopes,
		ResponseType:        string(req.ResponseType),
		ResponseMode:        string(req.ResponseMode),
		State:               req.State,
		Nonce:               req.Nonce,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt:              req.Prompt,
		LoginHint:           req.LoginHint,
		HintSubject:         hintSubject,
		UILocales:           localeStrings(req.UILocales),
		ACRValues:           req.ACRValues,
		CreatedAt:           now,
		ExpiresAt:           now.Add(s.cfg.AuthRequestLifetime),
	}
	if req.MaxAge != nil {
		v := int64(*req.MaxAge)
		a.MaxAge = &v
	}
	if err := s.store.CreateAuthRequest(ctx, a); err != nil {
		return nil, s.errUnavailable(ctx, "create auth request", err)
	}
	return &authRequest{a: a}, nil
}

func localeStrings(l oidc.Locales) []string {
	out := make([]string, 0, len(l))
	for _, t := range l {
		out = append(out, t.String())
	}
	return out
}

// AuthRequestByID loads an unexpired request.
func (s *Storage) AuthRequestByID(ctx context.Context, id string) (zop.AuthRequest, error) {
	a, err := s.store.AuthRequest(ctx, id)
	if err != nil {
		return nil, s.notFoundOr(ctx, "get auth request", err,
			oidc.ErrInvalidRequest().WithDescription("The sign-in request is unknown or has expired."))
	}
	return &authRequest{a: a}, nil
}

// SaveAuthCode stores the request's one code; only its hash is kept.
func (s *Storage) SaveAuthCode(ctx context.Context, id, code string) error {
	now := s.now()
	err := s.store.SaveAuthCode(ctx, storage.AuthCode{
		Hash:          secrets.Hash(code),
		AuthRequestID: id,
		CreatedAt:     now,
		ExpiresAt:     now.Add(s.cfg.CodeLifetime),
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrAlreadyExists), errors.Is(err, storage.ErrNotFound):
		return oidc.ErrInvalidRequest().WithDescription("The sign-in request was already answered or has expired.")
	default:
		return s.errUnavailable(ctx, "save auth code", err)
	}
}

// AuthRequestByCode finds the request of an unused code. A code that was
// already redeemed is a replay: every token issued from it is revoked
// (RFC 6749 §4.1.2, §10.5) and the request refused.
func (s *Storage) AuthRequestByCode(ctx context.Context, code string) (zop.AuthRequest, error) {
	hash := secrets.Hash(code)
	ac, a, err := s.store.AuthCode(ctx, hash)
	if err != nil {
		return nil, s.notFoundOr(ctx, "get auth code", err, invalidGrant("The code is unknown or has expired."))
	}
	if !ac.UsedAt.IsZero() {
		s.revokeFamily(ctx, ac.AuthRequestID, "authorization code replayed")
		return nil, invalidGrant("The code was already used.")
	}
	if a.ID == "" || !a.Done {
		return nil, invalidGrant("The code is unknown or has expired.")
	}
	return &authRequest{a: a, codeHash: hash}, nil
}

// DeleteAuthRequest is called by zitadel after tokens were issued. The
// code row stays behind (used) so that a replay is recognised.
func (s *Storage) DeleteAuthRequest(ctx context.Context, id string) error {
	if err := s.store.DeleteAuthRequest(ctx, id); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return s.errUnavailable(ctx, "delete auth request", err)
	}
	return nil
}

// revokeFamily revokes every token of a grant after a replay and records
// the security event. A failure is logged: the caller refuses anyway.
func (s *Storage) revokeFamily(ctx context.Context, familyID, reason string) {
	err := s.store.RevokeFamily(ctx, familyID)
	s.logger.WarnContext(ctx, "security event: tokens revoked",
		slog.String("reason", reason), slog.String("grant", familyID), slog.Any("error", err))
}
