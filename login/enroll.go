package login

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

type enrollPageData struct {
	pageBase
	// Token is the link's token, for the page's relative endpoint URLs.
	Token string
	// Setup is true for the setup link, which asks for name and email.
	Setup bool
	Email string
	Name  string

	// Recovery is true for a link bought with a recovery code: "Create a
	// new passkey".
	Recovery bool
}

// enrollPage serves GET /enroll/{token}: the page that creates a passkey
// from a one-time link (an invitation, or the setup link of the first admin).
func (h *Handler) enrollPage(w http.ResponseWriter, r *http.Request) error {
	token := chi.URLParam(r, "token")
	e, err := h.enrollment(r, token, pageLinkExpired)
	if err != nil {
		return err
	}
	data := enrollPageData{pageBase: pageBase{Root: rootNested}, Token: token, Setup: e.UserID == "", Recovery: e.Purpose == purposeRecovery}
	if !data.Setup {
		u, err := h.Store.User(r.Context(), e.UserID)
		if errors.Is(err, storage.ErrNotFound) {
			return pageLinkExpired.WithCause(err)
		}
		if err != nil {
			return httpx.Internal(fmt.Errorf("user: %w", err))
		}
		data.Email, data.Name = u.Email, u.Name
	}
	h.render(w, r, http.StatusOK, "enroll.html", data)
	return nil
}

// enrollment returns the unexpired, unused enrollment of a link token, or
// gone (the page or the JSON flavour of "link expired").
func (h *Handler) enrollment(r *http.Request, token string, gone *httpx.Error) (storage.Enrollment, error) {
	if !validID(token) {
		return storage.Enrollment{}, gone
	}
	e, err := h.Store.Enrollment(r.Context(), secrets.Hash(token))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Enrollment{}, gone.WithCause(err)
	}
	if err != nil {
		return storage.Enrollment{}, httpx.Internal(fmt.Errorf("enrollment: %w", err))
	}
	return e, nil
}
