package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/recoverycode"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// "Lost your passkey?": a person who still has a recovery code signs in
// with their email and that code, creates a new passkey on the enrollment
// link it buys, and the sign-in continues to the app (enroll_continue.go).

// eventRecoveryUsed is the security event of a redeemed recovery code.
const eventRecoveryUsed = "recovery_used"

// maxRecoveryCodeLength bounds what is hashed: a code is 10 characters,
// typed with dashes and spaces perhaps, never 64.
const maxRecoveryCodeLength = 64

type recoveryRequest struct {
	AuthRequestID string `json:"auth_request_id"`
	Email         string `json:"email"`
	RecoveryCode  string `json:"recovery_code"`
}

type enrollLinkResponse struct {
	EnrollURL string `json:"enroll_url"`
}

var (
	// errRecoveryRefused is the one answer for an unknown email, a wrong
	// code and a used one, so that nobody learns which it was. The code is
	// OAuth's for a bad grant (RFC 6749 §5.2), as DESIGN.md names it.
	errRecoveryRefused = httpx.BadRequest("invalid_grant",
		"This email address and recovery code do not match an unused code. Check both and try again.")
	errMissingRecoveryCode = httpx.BadRequest("invalid_request",
		"Enter one of your recovery codes.")
)

// recover serves POST /login/recovery {"auth_request_id", "email",
// "recovery_code"}: a matching unused code is spent, and the answer is a
// one-time enrollment link bound to the person and the authorization
// request, {"enroll_url": …}.
//
// Every refused try costs the same: the same three statements (the
// request; the person, or nobody; their codes, or a decoy id's none) and
// one argon2id hash (recoverycode.Match wastes one when there are no
// codes), and the same answer. The limits (ratelimit.go) are charged
// before anything else, identically for every email.
func (h *Handler) recover(w http.ResponseWriter, r *http.Request) error {
	req, email, err := decodeRecovery(w, r)
	if err != nil {
		return err
	}
	if err := h.limits.recovery.allow(w, r, email, h.now()); err != nil {
		return err
	}
	ctx := r.Context()
	// The request is checked first, so that a code is never spent on a
	// sign-in that cannot continue.
	ar, err := h.openAuthRequest(ctx, req.AuthRequestID)
	if err != nil {
		return expiredOr(errSignInExpired, err)
	}
	user, codes, err := h.recoveryCodesOf(ctx, email)
	if err != nil {
		return httpx.Internal(err)
	}
	code, ok := recoverycode.Match(req.RecoveryCode, codes)
	if !ok {
		h.securityEvent(r, "recovery.refused")
		return errRecoveryRefused
	}

	token := secrets.Token()
	now := h.now()
	link := storage.Enrollment{
		TokenHash:     secrets.Hash(token),
		UserID:        user.ID,
		Purpose:       purposeRecovery,
		AuthRequestID: ar.ID,
		CreatedAt:     now,
		ExpiresAt:     now.Add(selfServiceLinkTTL),
	}
	event := h.newEvent(r, user.ID, eventRecoveryUsed, "", recoveryDetail(codes, code.ID))
	err = h.Store.RedeemRecoveryCode(ctx, code.ID, link, event)
	if errors.Is(err, storage.ErrNotFound) {
		// Spent by a concurrent try a moment ago.
		return errRecoveryRefused.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("redeem recovery code: %w", err))
	}
	h.securityEvent(r, "recovery.used", "user_id", user.ID)
	httpx.WriteJSON(w, http.StatusOK, enrollLinkResponse{EnrollURL: h.enrollURL(token)})
	return nil
}

// decodeRecovery reads and checks the body; every failure is a 4xx
// *httpx.Error. It returns the email normalized.
func decodeRecovery(w http.ResponseWriter, r *http.Request) (recoveryRequest, string, error) {
	var req recoveryRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return req, "", err
	}
	if !validID(req.AuthRequestID) {
		return req, "", errMissingRequestID
	}
	email, ok := normalizeEmail(req.Email)
	if !ok {
		return req, "", errInvalidEmail
	}
	if strings.TrimSpace(req.RecoveryCode) == "" || len(req.RecoveryCode) > maxRecoveryCodeLength {
		return req, "", errMissingRecoveryCode
	}
	return req, email, nil
}

// recoveryCodesOf returns the person with this email and their recovery
// codes. An unknown email costs the same two queries: its codes are looked
// up under a decoy user id, which has none.
func (h *Handler) recoveryCodesOf(ctx context.Context, email string) (storage.User, []storage.RecoveryCode, error) {
	user, err := h.Store.UserByEmail(ctx, email)
	owner := user.ID
	switch {
	case errors.Is(err, storage.ErrNotFound):
		user, owner = storage.User{}, h.decoyUserID(email)
	case err != nil:
		return storage.User{}, nil, fmt.Errorf("user by email: %w", err)
	}
	codes, err := h.Store.RecoveryCodes(ctx, owner)
	if err != nil {
		return storage.User{}, nil, fmt.Errorf("recovery codes: %w", err)
	}
	if user.ID == "" {
		return storage.User{}, nil, nil
	}
	return user, codes, nil
}

// recoveryDetail is the event's text for the account page: how many codes
// are left after this one.
func recoveryDetail(codes []storage.RecoveryCode, spent string) string {
	left := 0
	for _, c := range codes {
		if c.UsedAt.IsZero() && c.ID != spent {
			left++
		}
	}
	if left == 1 {
		return "1 recovery code left"
	}
	return fmt.Sprintf("%d recovery codes left", left)
}
