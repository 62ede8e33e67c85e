package login

import (
	"net/http"
)

type recoveryPageData struct {
	pageBase
	AuthRequestID string
	Email         string
}

// recoveryPage serves GET /login/recovery?authRequestID=ID: "Lost your
// passkey?", email and recovery code, for one open authorization request.
func (h *Handler) recoveryPage(w http.ResponseWriter, r *http.Request) error {
	id := r.URL.Query().Get("authRequestID")
	if !validID(id) {
		return pageSignInExpired
	}
	ar, err := h.openAuthRequest(r.Context(), id)
	if err != nil {
		return expiredOr(pageSignInExpired, err)
	}
	data := recoveryPageData{pageBase: pageBase{Root: rootNested}, AuthRequestID: ar.ID}
	if email, ok := normalizeEmail(ar.LoginHint); ok {
		data.Email = email
	}
	h.render(w, r, http.StatusOK, "recovery.html", data)
	return nil
}
