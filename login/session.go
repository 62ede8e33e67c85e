package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// CurrentSession returns the browser's unexpired session, if it has one.
// The OP calls it at logout. A store failure counts as no session (and is
// logged): at worst the person signs in again.
func (h *Handler) CurrentSession(r *http.Request) (storage.Session, bool) {
	s, err := h.session(r)
	if err != nil {
		httpx.Logger(r.Context(), h.logger()).Error("look up session", "error", err)
		return storage.Session{}, false
	}
	return s, s.ID != ""
}

// EndSession deletes the browser's session row, if any, and clears the
// session cookie.
func (h *Handler) EndSession(w http.ResponseWriter, r *http.Request) error {
	h.clearCookie(w, sessionCookie)
	s, err := h.session(r)
	if err != nil {
		return err
	}
	if s.ID == "" {
		return nil
	}
	return h.endSession(r.Context(), s)
}

// endSession ends a session however the person signed out: the OP first
// tells the apps it signed into (back-channel logout) — a failure there
// must not keep the person signed in — then the session is deleted.
func (h *Handler) endSession(ctx context.Context, s storage.Session) error {
	if h.SessionEnding != nil {
		if err := h.SessionEnding(ctx, s); err != nil {
			h.logger().WarnContext(ctx, "session ending: notify apps", "error", err)
		}
	}
	if err := h.Store.DeleteSession(ctx, s.ID); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// session returns the browser's unexpired session, the zero Session when it
// has none, or an error when the store fails.
func (h *Handler) session(r *http.Request) (storage.Session, error) {
	token := h.cookieValue(r, sessionCookie)
	if token == "" {
		return storage.Session{}, nil
	}
	s, err := h.Store.SessionByToken(r.Context(), secrets.Hash(token))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Session{}, nil
	}
	if err != nil {
		return storage.Session{}, fmt.Errorf("session by token: %w", err)
	}
	if !h.now().Before(s.ExpiresAt) {
		return storage.Session{}, nil
	}
	return s, nil
}
