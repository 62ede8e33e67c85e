package login

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/latchkey-id/latchkey/internal/mail"
	"github.com/latchkey-id/latchkey/internal/validate"
)

// Self-service: what a person can do without an administrator — recover
// with a recovery code (recovery.go), sign up with an email code
// (signup*.go) — and the enrollment links both end in, which create a
// passkey and then continue the sign-in they were begun for
// (enroll_continue.go).

// SignupPolicy says who may create an account on their own.
type SignupPolicy struct {
	// Open lets anyone with a working email address sign up. When false
	// (the default, "--signup invite") the sign-up routes answer 404 and
	// no page links to them: only enrollment links create accounts.
	Open bool
	// Domains, when not empty, limits sign-up to addresses at these
	// domains (lower-case, exact match: "example.com" does not admit
	// "eu.example.com").
	Domains []string
}

// Mailer sends one email (internal/mail: SMTP, or the log).
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Enrollment purposes of the links this part creates.
const (
	purposeRecovery = "recovery"
	purposeSignup   = "signup"
)

// selfServiceLinkTTL is the life of the enrollment link a recovery code
// or a sign-up code buys: the person is on the page and uses it at once.
const selfServiceLinkTTL = 15 * time.Minute

// checkSelfService reports unusable sign-up and related-origin settings.
func (h *Handler) checkSelfService() []error {
	var errs []error
	if h.Signup.Open && h.Mailer == nil {
		errs = append(errs, fmt.Errorf("login: Signup.Open needs a Mailer (internal/mail: SMTP or the log)"))
	}
	for _, d := range h.Signup.Domains {
		if _, err := validate.Email("x@" + d); err != nil || d != strings.ToLower(d) {
			errs = append(errs, fmt.Errorf("login: Signup.Domains: %q is not a lower-case domain name", d))
		}
	}
	for _, o := range h.RelatedOrigins {
		if !isOrigin(o) {
			errs = append(errs, fmt.Errorf("login: RelatedOrigins: %q is not an origin (https://host[:port])", o))
		}
	}
	return errs
}

// isOrigin reports whether s is a serialized web origin (RFC 6454 §6.2):
// https://host[:port], or http for a loopback host; no path, query,
// fragment or credentials.
func isOrigin(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return false
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !validate.IsLoopbackHost(u.Hostname()) {
			return false
		}
	default:
		return false
	}
	return s == u.Scheme+"://"+strings.ToLower(u.Host)
}

// enrollURL is the absolute URL of an enrollment link.
func (h *Handler) enrollURL(token string) string {
	return strings.TrimSuffix(h.Issuer, "/") + "/enroll/" + token
}
