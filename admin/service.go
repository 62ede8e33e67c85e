package admin

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey-id/latchkey/storage"
)

// Default lifetimes.
const (
	DefaultEnrollmentTTL = 7 * 24 * time.Hour
	// SetupTTL bounds the first-admin link; a restart with no users
	// issues a fresh one.
	SetupTTL = 24 * time.Hour
)

// Enrollment purposes kept in storage.Enrollment.Purpose.
const (
	PurposeInvite = "invite"
	PurposeSetup  = "setup"
	// PurposeReset is the link of an operator's passkey reset.
	PurposeReset = "reset"
)

// Service performs administrative actions against the store.
type Service struct {
	Store storage.Store
	// Issuer is the OP's absolute URL; links are built under it.
	Issuer string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// EnrollmentTTL is how long an invitation link works; 7 days when zero.
	EnrollmentTTL time.Duration
}

// InvalidError lists what is wrong with an administrator's input.
type InvalidError struct{ Problems []string }

func (e *InvalidError) Error() string { return strings.Join(e.Problems, "; ") }

// ErrNotFound is returned for an unknown user or client.
var ErrNotFound = errors.New("not found")

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) link(token string) string {
	return strings.TrimRight(s.Issuer, "/") + "/enroll/" + token
}

// notFound turns the store's ErrNotFound into the package's, with a label.
func notFound(err error, what, id string) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%s %q: %w", what, id, ErrNotFound)
	}
	return err
}
