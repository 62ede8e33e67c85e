package login

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkey-id/latchkey/storage"
)

// scopeOnlyTokens accepts one token, which lacks the passkeys scope; any
// other is invalid. No path of bearerCaller then reaches the store.
type scopeOnlyTokens struct{}

func (scopeOnlyTokens) VerifyAccessToken(_ context.Context, token string) (storage.AccessToken, error) {
	if token == "openid-only" {
		return storage.AccessToken{ID: "t", UserID: "u", Scopes: []string{"openid"}}, nil
	}
	return storage.AccessToken{}, errors.New("invalid")
}

// FuzzAuthorizationHeader: whatever Authorization header an app sends,
// the API answers 401 or 403 with a Bearer challenge (RFC 6750 §3) —
// never a panic, never a 5xx.
func FuzzAuthorizationHeader(f *testing.F) {
	h := &Handler{AccessTokens: scopeOnlyTokens{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, s := range []string{"Bearer openid-only", "Bearer x", "bearer openid-only", "Bearer", "Bearer ", "Basic YTpi",
		"Bearer  openid-only ", "Bearer\topenid-only", "Bearer " + strings.Repeat("a", 5000), "DPoP x", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, auth string) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/api/v1/me/passkeys", nil)
		_, err := h.bearerCaller(w, r, auth)
		mustBeClientError(t, err)
		if c := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(c, "Bearer ") {
			t.Fatalf("WWW-Authenticate = %q", c)
		}
	})
}
