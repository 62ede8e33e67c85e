package login

import (
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
)

// relatedOriginsResponse is the document of WebAuthn Level 3 §5.11.1
// ("Validating Related Origins"): the origins that may use this RP ID.
type relatedOriginsResponse struct {
	Origins []string `json:"origins"`
}

// wellKnownWebAuthn serves GET /.well-known/webauthn: the related origins
// (WebAuthn L3 §5.11), so that a browser lets a passkey for the issuer's
// host work on the operator's other hostnames. Without any configured it
// is 404, which tells a browser there are none. The document changes only
// with the configuration, so it may be cached for a while.
func (h *Handler) wellKnownWebAuthn(w http.ResponseWriter, r *http.Request) {
	if len(h.RelatedOrigins) == 0 {
		httpx.WriteError(w, httpx.NotFound("not_found", "No related origins are configured."))
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	httpx.WriteJSON(w, http.StatusOK, relatedOriginsResponse{Origins: h.RelatedOrigins})
}
