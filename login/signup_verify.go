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

type signupVerifyRequest struct {
	AuthRequestID string `json:"auth_request_id"`
	Email         string `json:"email"`
	Code          string `json:"code"`
}

var errInvalidCode = httpx.BadRequest("invalid_code",
	"This code is not right or has expired. Check the email, or ask for a new code.")

// signupVerify serves POST /signup/verify {"auth_request_id", "email",
// "code"}: the right code, within its ten minutes and five tries, creates
// the person (email verified) together with an enrollment link bound to
// the sign-in, in one CreateUser, and answers {"enroll_url": …}. Anything
// else about the code — wrong, expired, used up, sent for another sign-in,
// or for an address that has an account — is the same invalid_code.
func (h *Handler) signupVerify(w http.ResponseWriter, r *http.Request) error {
	if !h.Signup.Open {
		return errSignupClosed
	}
	req, email, code, err := decodeSignupVerify(w, r)
	if err != nil {
		return err
	}
	if err := h.limits.signupVerify.allow(w, r, email, h.now()); err != nil {
		return err
	}
	ctx := r.Context()
	ar, err := h.openAuthRequest(ctx, req.AuthRequestID)
	if err != nil {
		return expiredOr(errSignInExpired, err)
	}
	sent, err := h.Store.ConsumeEmailCode(ctx, email, h.signupCodeHash(email, code), maxCodeAttempts)
	if errors.Is(err, storage.ErrNotFound) {
		return errInvalidCode.WithCause(err)
	}
	if err != nil {
		return httpx.Internal(fmt.Errorf("consume email code: %w", err))
	}
	if !sameID(sent.AuthRequestID, ar.ID) {
		return errInvalidCode.WithCause(errors.New("the code was sent for another sign-in"))
	}

	now := h.now()
	user := storage.User{
		ID:            secrets.ID(),
		WebAuthnID:    secrets.Bytes(32),
		Email:         email,
		EmailVerified: true,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	token := secrets.Token()
	link := storage.Enrollment{
		TokenHash:     secrets.Hash(token),
		UserID:        user.ID,
		Purpose:       purposeSignup,
		AuthRequestID: ar.ID,
		CreatedAt:     now,
		ExpiresAt:     now.Add(selfServiceLinkTTL),
	}
	err = h.Store.CreateUser(ctx, user, &link)
	if errors.Is(err, storage.ErrAlreadyExists) {
		// Never a second account for one address. An account without a
		// passkey (see hasUsableAccount) continues its enrollment instead;
		// one with a passkey was never sent a real code.
		if user, err = h.continueUnfinishedAccount(ctx, email, &link); err != nil {
			return err
		}
	} else if err != nil {
		return httpx.Internal(fmt.Errorf("create user: %w", err))
	}
	if err := h.Store.RecordEvent(ctx, h.newEvent(r, user.ID, eventSignedUp, "", "")); err != nil {
		// The account exists; only its history lacks the line.
		httpx.Logger(ctx, h.logger()).Error("record signed_up", "error", err)
	}
	h.securityEvent(r, "signup.verified", "user_id", user.ID)
	httpx.WriteJSON(w, http.StatusOK, enrollLinkResponse{EnrollURL: h.enrollURL(token)})
	return nil
}

// decodeSignupVerify reads and checks the body; every failure is a 4xx
// *httpx.Error. It returns the email and the code normalized.
func decodeSignupVerify(w http.ResponseWriter, r *http.Request) (signupVerifyRequest, string, string, error) {
	var req signupVerifyRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return req, "", "", err
	}
	if !validID(req.AuthRequestID) {
		return req, "", "", errMissingRequestID
	}
	email, ok := normalizeEmail(req.Email)
	if !ok {
		return req, "", "", errInvalidEmail
	}
	code, ok := normalizeSignupCode(req.Code)
	if !ok {
		return req, "", "", errInvalidCode
	}
	return req, email, code, nil
}

// continueUnfinishedAccount stores the enrollment link for the existing
// account of the address when it has no passkey; otherwise invalid_code.
func (h *Handler) continueUnfinishedAccount(ctx context.Context, email string, link *storage.Enrollment) (storage.User, error) {
	u, err := h.Store.UserByEmail(ctx, email)
	if err != nil {
		return storage.User{}, errInvalidCode.WithCause(err)
	}
	passkeys, err := h.Store.PasskeysByUser(ctx, u.ID)
	if err != nil {
		return storage.User{}, httpx.Internal(fmt.Errorf("passkeys by user: %w", err))
	}
	if len(passkeys) > 0 {
		return storage.User{}, errInvalidCode.WithCause(errors.New("the address has an account with a passkey"))
	}
	link.UserID = u.ID
	if err := h.Store.CreateEnrollment(ctx, *link); err != nil {
		return storage.User{}, httpx.Internal(fmt.Errorf("create enrollment: %w", err))
	}
	return u, nil
}
