package login

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

type consentRequest struct {
	AuthRequestID string `json:"auth_request_id"`
}

// consentAllow serves POST /consent/allow: the person approves the app.
// The request completes with the session's sign-in (its user, auth time,
// AMR and id: the consent page is no new authentication), and the approval
// is remembered for every scope granted so far, so that the next sign-in
// asking no more skips the page.
func (h *Handler) consentAllow(w http.ResponseWriter, r *http.Request) error {
	ar, sess, err := h.consentDecision(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	previous, err := h.Store.Consent(ctx, sess.UserID, ar.ClientID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return httpx.Internal(fmt.Errorf("consent: %w", err))
	}
	// Completing first means a request that cannot complete any more (it
	// expired, or was decided in another tab) leaves no consent behind.
	_, err = h.Store.CompleteAuthRequest(ctx, ar.ID, storage.Completion{
		UserID:    sess.UserID,
		AuthTime:  sess.AuthTime,
		AMR:       sess.AMR,
		SessionID: sess.ID,
	})
	if err != nil {
		return expiredOr(errSignInExpired, fmt.Errorf("complete auth request: %w", err))
	}
	now := h.now()
	err = h.Store.SaveConsent(ctx, storage.Consent{
		UserID:    sess.UserID,
		ClientID:  ar.ClientID,
		Scopes:    unionScopes(previous.Scopes, knownScopes(ar.Scopes)),
		CreatedAt: now,
		UpdatedAt: now,
	})
	if err != nil {
		// The sign-in itself succeeded; failing it now would strand the
		// person on a page whose request is done. Unremembered, the
		// consent is simply asked for again next time.
		httpx.Logger(ctx, h.logger()).Error("save consent", "error", err)
	}
	h.clearCookie(w, consentCookie)
	httpx.WriteJSON(w, http.StatusOK, redirectResponse{RedirectTo: h.CallbackURL(ar.ID)})
	return nil
}

// consentDeny serves POST /consent/deny: the person declines, and the app
// receives access_denied (RFC 6749 §4.1.2.1).
func (h *Handler) consentDeny(w http.ResponseWriter, r *http.Request) error {
	ar, _, err := h.consentDecision(w, r)
	if err != nil {
		return err
	}
	if err := h.Store.FailAuthRequest(r.Context(), ar.ID, "access_denied", "The person declined."); err != nil {
		return expiredOr(errSignInExpired, fmt.Errorf("fail auth request: %w", err))
	}
	h.clearCookie(w, consentCookie)
	httpx.WriteJSON(w, http.StatusOK, redirectResponse{RedirectTo: h.CallbackURL(ar.ID)})
	return nil
}

// consentDecision reads and checks a decision before anything is written:
// the body, the browser's session, the request (unexpired, neither done nor
// failed) and the consent cookie binding the two, which proves this session
// is the sign-in for this request.
func (h *Handler) consentDecision(w http.ResponseWriter, r *http.Request) (storage.AuthRequest, storage.Session, error) {
	var req consentRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return storage.AuthRequest{}, storage.Session{}, err
	}
	if !validID(req.AuthRequestID) {
		return storage.AuthRequest{}, storage.Session{}, errMissingRequestID
	}
	sess, err := h.session(r)
	if err != nil {
		return storage.AuthRequest{}, storage.Session{}, httpx.Internal(err)
	}
	if sess.ID == "" {
		return storage.AuthRequest{}, storage.Session{}, errNotSignedIn
	}
	// The consent page's CSRF token (csrf.go), on top of the consent cookie.
	if err := h.checkCSRF(r, sess); err != nil {
		return storage.AuthRequest{}, storage.Session{}, err
	}
	ar, err := h.openAuthRequest(r.Context(), req.AuthRequestID)
	if err != nil {
		return storage.AuthRequest{}, storage.Session{}, expiredOr(errSignInExpired, err)
	}
	if !h.consentBound(r, ar.ID, sess) {
		h.securityEvent(r, "consent.unbound_session", "auth_request_id", ar.ID, "user_id", sess.UserID)
		return storage.AuthRequest{}, storage.Session{}, errOtherSession
	}
	return ar, sess, nil
}
