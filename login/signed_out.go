package login

import (
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
)

// SignedOut renders the signed-out page in place. The OP shows it at the
// end of a logout that returns to no app (OpenID RP-Initiated Logout §3).
func (h *Handler) SignedOut(w http.ResponseWriter, r *http.Request) {
	httpx.SecurityHeaders(httpx.NoStore(h.page(rootTop, h.signedOutPage))).ServeHTTP(w, r)
}
