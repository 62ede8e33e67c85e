package op

import (
	"context"

	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// TerminateSession is zitadel's older logout hook; TerminateSessionFromRequest
// replaces it.
func (s *Storage) TerminateSession(ctx context.Context, _, _ string) error {
	_, err := s.TerminateSessionFromRequest(ctx, &zop.EndSessionRequest{})
	return err
}

// TerminateSessionFromRequest ends the OP browser session of the browser
// that called end_session (OIDC RP-Initiated Logout §2) and returns where
// to send it: the validated post_logout_redirect_uri, or the signed-out
// page.
func (s *Storage) TerminateSessionFromRequest(ctx context.Context, req *zop.EndSessionRequest) (string, error) {
	if ex, ok := exchangeFrom(ctx); ok && s.cfg.Sessions != nil {
		if err := s.cfg.Sessions.EndSession(ex.w, ex.r); err != nil {
			return "", s.errUnavailable(ctx, "end session", err)
		}
	}
	if req.RedirectURI == "" {
		return s.cfg.SignedOutURL, nil
	}
	return req.RedirectURI, nil
}
