package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// Open sign-up (Handler.Signup): email → six-digit code by mail → verify →
// the person is created with an enrollment link bound to the sign-in →
// a passkey → recovery codes → the sign-in continues to the app
// (enroll_continue.go). Closed, every sign-up route answers 404.

// eventSignedUp is the security event of an account made by sign-up.
const eventSignedUp = "signed_up"

type signupStartRequest struct {
	AuthRequestID string `json:"auth_request_id"`
	Email         string `json:"email"`
}

type signupStartResponse struct {
	Sent bool `json:"sent"`
}

var (
	errSignupClosed = httpx.NotFound("not_found",
		"Sign-up is not open here. Ask an administrator for an invitation.")
	// errEmailUnavailable is a 503 that must keep its own description,
	// which httpx would replace for a returned 5xx: it is written, not
	// returned (see signupStart).
	errEmailUnavailable = httpx.NewError(http.StatusServiceUnavailable, "email_unavailable",
		"We could not send the email just now. Try again in a few minutes.")
)

// signupStart serves POST /signup/start {"auth_request_id", "email"} and
// answers {"sent": true} for every valid address in an allowed domain:
// a new address gets a code, an address with an account gets "you already
// have an account" and no code — the same answer, the same two statements
// (for the existing one, the stored code is a hash nobody holds a code
// for), one mail each. The mail goes first and the code is saved only
// once it went: with the mail server down the answer is 503
// email_unavailable and nothing is written.
func (h *Handler) signupStart(w http.ResponseWriter, r *http.Request) error {
	if !h.Signup.Open {
		return errSignupClosed
	}
	req, email, err := decodeSignupStart(w, r)
	if err != nil {
		return err
	}
	if err := h.signupDomainAllowed(email); err != nil {
		return err
	}
	if err := h.limits.signupStart.allow(w, r, email, h.now()); err != nil {
		return err
	}
	ctx := r.Context()
	ar, err := h.openAuthRequest(ctx, req.AuthRequestID)
	if err != nil {
		return expiredOr(errSignInExpired, err)
	}
	complete, err := h.hasUsableAccount(ctx, email)
	if err != nil {
		return httpx.Internal(err)
	}
	code, err := newSignupCode()
	if err != nil {
		return httpx.Internal(err)
	}
	msg, hash := h.signupCodeMail(email, code), h.signupCodeHash(email, code)
	if complete {
		msg, hash = h.accountExistsMail(email), h.signupCodeHash(email, secrets.Token())
	}
	if err := h.Mailer.Send(ctx, msg); err != nil {
		httpx.Logger(ctx, h.logger()).Error("send sign-up mail", "error", err.Error())
		httpx.WriteError(w, errEmailUnavailable)
		return nil
	}
	now := h.now()
	err = h.Store.SaveEmailCode(ctx, storage.EmailCode{
		Email:         email,
		Hash:          hash,
		AuthRequestID: ar.ID,
		CreatedAt:     now,
		ExpiresAt:     now.Add(signupCodeTTL),
	})
	if err != nil {
		return httpx.Internal(fmt.Errorf("save email code: %w", err))
	}
	httpx.WriteJSON(w, http.StatusOK, signupStartResponse{Sent: true})
	return nil
}

// hasUsableAccount reports whether the address belongs to an account with
// a passkey. An account without one — a sign-up abandoned before its
// passkey, or an invitation never used — gets a code like a new address,
// and verifying it continues that account's enrollment: the code proves
// the address, which is all such an account has. Both cases run the same
// two statements (a made-up id for an unknown address), so the answer's
// cost tells nothing either.
func (h *Handler) hasUsableAccount(ctx context.Context, email string) (bool, error) {
	u, err := h.Store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return false, fmt.Errorf("user by email: %w", err)
	}
	id := u.ID
	if id == "" {
		id = secrets.ID()
	}
	passkeys, err := h.Store.PasskeysByUser(ctx, id)
	if err != nil {
		return false, fmt.Errorf("passkeys by user: %w", err)
	}
	return u.ID != "" && len(passkeys) > 0, nil
}

// decodeSignupStart reads and checks the body; every failure is a 4xx
// *httpx.Error. It returns the email normalized.
func decodeSignupStart(w http.ResponseWriter, r *http.Request) (signupStartRequest, string, error) {
	var req signupStartRequest
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
	return req, email, nil
}

// signupDomainAllowed refuses an address outside Signup.Domains (when set)
// with domain_not_allowed, naming the domains a person may use.
func (h *Handler) signupDomainAllowed(email string) error {
	if len(h.Signup.Domains) == 0 {
		return nil
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	if slices.Contains(h.Signup.Domains, domain) {
		return nil
	}
	return httpx.BadRequest("domain_not_allowed",
		"Sign-up here is for email addresses at "+strings.Join(h.Signup.Domains, ", ")+".")
}
