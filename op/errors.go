package op

import (
	"context"
	"errors"
	"log/slog"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/latchkey-id/latchkey/storage"
)

// errUnavailable is what a client sees when the store fails: nothing of
// the cause, which is logged instead.
func (s *Storage) errUnavailable(ctx context.Context, what string, err error) *oidc.Error {
	s.logger.ErrorContext(ctx, "store failure", slog.String("op", what), slog.Any("error", err))
	return oidc.ErrServerError().WithDescription("The server could not complete the request.")
}

// notFoundOr maps storage.ErrNotFound to the given protocol error and any
// other failure to a generic server error.
func (s *Storage) notFoundOr(ctx context.Context, what string, err error, notFound *oidc.Error) *oidc.Error {
	if errors.Is(err, storage.ErrNotFound) {
		return notFound
	}
	return s.errUnavailable(ctx, what, err)
}

func invalidGrant(desc string) *oidc.Error {
	return oidc.ErrInvalidGrant().WithDescription("%s", desc)
}

// errNoClientKeys refuses client assertions; its text is safe to show.
var errNoClientKeys = oidc.ErrInvalidClient().WithDescription("Client assertions are not supported.")

// errInvalidToken is the answer for an unknown, expired or revoked access token.
var errInvalidToken = oidc.ErrInvalidRequest().WithDescription("The access token is invalid.")
