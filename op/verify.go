package op

import (
	"context"
	"errors"
	"strings"

	"github.com/latchkey-id/latchkey/storage"
)

// ErrInvalidAccessToken is returned for a token that is not an unexpired,
// unrevoked access token of this provider.
var ErrInvalidAccessToken = errors.New("invalid access token")

// VerifyAccessToken resolves an access token presented to Latchkey's own
// API (the passkey management API): it must decrypt under this OP's key
// and still exist in the store — expired and revoked tokens do not.
func (p *Provider) VerifyAccessToken(ctx context.Context, token string) (storage.AccessToken, error) {
	plain, err := p.op.Crypto().Decrypt(token)
	if err != nil {
		return storage.AccessToken{}, ErrInvalidAccessToken
	}
	id, subject, ok := strings.Cut(plain, ":")
	if !ok || id == "" || subject == "" {
		return storage.AccessToken{}, ErrInvalidAccessToken
	}
	at, err := p.storage.store.AccessToken(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && at.UserID != subject) {
		return storage.AccessToken{}, ErrInvalidAccessToken
	}
	return at, err
}
