package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/validate"
	"github.com/latchkey-id/latchkey/storage"
)

// NewUser is what an administrator gives to invite a person.
type NewUser struct {
	Email string
	Name  string
	// EmailUnverified marks the email as not verified; people created by an
	// operator count as verified otherwise.
	EmailUnverified bool
	Admin           bool
}

// CreatedUser is a new user with the one-time link to their first passkey.
type CreatedUser struct {
	User          storage.User
	EnrollmentURL string
}

// ErrEmailTaken is returned when the email belongs to another user.
var ErrEmailTaken = errors.New("a user with this email already exists")

// CreateUser adds a user together with an invitation link, in one write.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (CreatedUser, error) {
	var problems []string
	email, err := validate.Email(in.Email)
	if err != nil {
		problems = append(problems, err.Error())
	}
	name, err := validate.Name(in.Name)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if problems != nil {
		return CreatedUser{}, &InvalidError{Problems: problems}
	}
	now := s.now()
	u := storage.User{
		ID:            secrets.ID(),
		WebAuthnID:    secrets.Bytes(32),
		Email:         email,
		Name:          name,
		EmailVerified: !in.EmailUnverified,
		Admin:         in.Admin,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	token := secrets.Token()
	ttl := s.EnrollmentTTL
	if ttl == 0 {
		ttl = DefaultEnrollmentTTL
	}
	invite := storage.Enrollment{
		TokenHash: secrets.Hash(token),
		UserID:    u.ID,
		Purpose:   PurposeInvite,
		CreatedAt: now,
		ExpiresAt: now.Add(ttl),
	}
	if err := s.Store.CreateUser(ctx, u, &invite); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return CreatedUser{}, ErrEmailTaken
		}
		return CreatedUser{}, fmt.Errorf("create user: %w", err)
	}
	return CreatedUser{User: u, EnrollmentURL: s.link(token)}, nil
}

// ListUsers returns every user, oldest first.
func (s *Service) ListUsers(ctx context.Context) ([]storage.User, error) {
	return s.Store.ListUsers(ctx)
}

// FindUser looks a user up by id or by email.
func (s *Service) FindUser(ctx context.Context, idOrEmail string) (storage.User, error) {
	if email, err := validate.Email(idOrEmail); err == nil {
		u, err := s.Store.UserByEmail(ctx, email)
		return u, notFound(err, "user", idOrEmail)
	}
	u, err := s.Store.User(ctx, idOrEmail)
	return u, notFound(err, "user", idOrEmail)
}

// DeleteUser removes a user, found by id or email, with everything theirs.
func (s *Service) DeleteUser(ctx context.Context, idOrEmail string) (storage.User, error) {
	u, err := s.FindUser(ctx, idOrEmail)
	if err != nil {
		return storage.User{}, err
	}
	if err := s.Store.DeleteUser(ctx, u.ID); err != nil {
		return storage.User{}, notFound(err, "user", idOrEmail)
	}
	return u, nil
}

// SetupLink returns a one-time link that enrolls the first administrator,
// or ok=false when the store already has users. Each call while the store
// is empty issues a fresh link; whichever is used first creates the admin
// and voids the others.
func (s *Service) SetupLink(ctx context.Context) (link string, ok bool, err error) {
	n, err := s.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}
	now := s.now()
	token := secrets.Token()
	e := storage.Enrollment{
		TokenHash: secrets.Hash(token),
		Purpose:   PurposeSetup,
		CreatedAt: now,
		ExpiresAt: now.Add(SetupTTL),
	}
	if err := s.Store.CreateEnrollment(ctx, e); err != nil {
		return "", false, fmt.Errorf("create setup link: %w", err)
	}
	return s.link(token), true, nil
}

// ResetUser is a person whose passkeys were reset, with the one-time link
// to their new first passkey.
type ResetUser struct {
	User          storage.User
	EnrollmentURL string
}

// ResetPasskeys is an operator's help for a person who lost every passkey
// and every recovery code: it removes their passkeys, sessions and
// recovery codes and issues a new enrollment link (EnrollmentTTL, 7 days
// by default), in one transaction with a "passkeys_reset" event. The
// person's identity (subject, email, consents) stays. The new passkey
// comes with a fresh set of recovery codes, since the person has none.
func (s *Service) ResetPasskeys(ctx context.Context, idOrEmail string) (ResetUser, error) {
	u, err := s.FindUser(ctx, idOrEmail)
	if err != nil {
		return ResetUser{}, err
	}
	now := s.now()
	token := secrets.Token()
	ttl := s.EnrollmentTTL
	if ttl == 0 {
		ttl = DefaultEnrollmentTTL
	}
	link := storage.Enrollment{
		TokenHash: secrets.Hash(token),
		UserID:    u.ID,
		Purpose:   PurposeReset,
		CreatedAt: now,
		ExpiresAt: now.Add(ttl),
	}
	event := storage.SecurityEvent{
		ID:        secrets.ID(),
		UserID:    u.ID,
		Kind:      EventPasskeysReset,
		Detail:    "Passkeys reset by an administrator",
		CreatedAt: now,
	}
	if err := s.Store.ResetPasskeys(ctx, u.ID, link, event); err != nil {
		return ResetUser{}, notFound(err, "user", idOrEmail)
	}
	return ResetUser{User: u, EnrollmentURL: s.link(token)}, nil
}

// EventPasskeysReset is the security event of an operator's reset.
const EventPasskeysReset = "passkeys_reset"
