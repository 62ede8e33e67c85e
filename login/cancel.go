package login

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

type cancelRequest struct {
	AuthRequestID string `json:"auth_request_id"`
}

// cancel serves POST /login/cancel: the person chose to go back to the app.
// The request fails with access_denied (RFC 6749 §4.1.2.1, "the resource
// owner … denied the request"), which the OP sends to the client.
func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) error {
	var req cancelRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	if !validID(req.AuthRequestID) {
		return errMissingRequestID
	}
	err := h.Store.FailAuthRequest(r.Context(), req.AuthRequestID, "access_denied", "The sign-in was cancelled.")
	if errors.Is(err, storage.ErrNotFound) {
		return errSignInExpired.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("fail auth request: %w", err))
	}
	// A ceremony still pending in this browser is of no use any more.
	if token := h.cookieValue(r, ceremonyCookie); token != "" {
		h.clearCookie(w, ceremonyCookie)
		if _, err := h.Store.ConsumeCeremony(r.Context(), secrets.Hash(token)); err != nil && !errors.Is(err, storage.ErrNotFound) {
			httpx.Logger(r.Context(), h.logger()).Error("drop pending ceremony", "error", err)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, redirectResponse{RedirectTo: h.CallbackURL(req.AuthRequestID)})
	return nil
}
