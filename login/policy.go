package login

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/latchkey-id/latchkey/internal/httpx"
)

// User verification choices of Policy.UserVerification.
const (
	UserVerificationRequired  = "required"
	UserVerificationPreferred = "preferred"
)

// Policy is the operator's passkey policy. Its zero value is DESIGN.md's
// default: user verification required, synced passkeys allowed, any
// authenticator. It applies to every registration (enrollment, an added
// passkey) and every assertion (sign-in, step-up).
type Policy struct {
	// UserVerification is "required" (the default, also when "") or
	// "preferred", for deployments whose security keys have no PIN. Only
	// an assertion that really verified the user earns amr "mfa".
	UserVerification string
	// ForbidSynced refuses backup-eligible passkeys (iCloud Keychain,
	// Google Password Manager, …), at registration and at every sign-in:
	// a passkey registered before the operator changed the policy stops
	// working too.
	ForbidSynced bool
	// AllowedAAGUIDs, when not empty, lists the authenticator models (as
	// lower-case UUIDs) a new passkey may come from. The AAGUID is what the
	// authenticator claims; without attestation it is not proof.
	AllowedAAGUIDs []string
}

// uuidPattern is a canonical lower-case UUID (RFC 9562 §4).
var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// check reports every unusable setting.
func (p Policy) check() []error {
	var errs []error
	switch p.UserVerification {
	case "", UserVerificationRequired, UserVerificationPreferred:
	default:
		errs = append(errs, fmt.Errorf("login: Policy.UserVerification %q is neither %q nor %q",
			p.UserVerification, UserVerificationRequired, UserVerificationPreferred))
	}
	for _, a := range p.AllowedAAGUIDs {
		if !uuidPattern.MatchString(a) {
			errs = append(errs, fmt.Errorf("login: Policy.AllowedAAGUIDs: %q is not a lower-case UUID", a))
		}
	}
	return errs
}

// userVerification is the WebAuthn requirement the policy asks of every ceremony.
func (p Policy) userVerification() protocol.UserVerificationRequirement {
	if p.UserVerification == UserVerificationPreferred {
		return protocol.VerificationPreferred
	}
	return protocol.VerificationRequired
}

// assertionOptions are loginOptions under the handler's policy. Every
// assertion ceremony begins with them: the requirement stored in the
// session is what go-webauthn enforces at finish.
func (h *Handler) assertionOptions() []webauthn.LoginOption {
	return append(loginOptions(), webauthn.WithUserVerification(h.Policy.userVerification()))
}

// creationOptions are registrationOptions under the handler's policy.
func (h *Handler) creationOptions(exclude []protocol.CredentialDescriptor) []webauthn.RegistrationOption {
	uv := h.Policy.userVerification()
	return append(registrationOptions(exclude), func(o *protocol.PublicKeyCredentialCreationOptions) error {
		o.AuthenticatorSelection.UserVerification = uv
		return nil
	})
}

// Policy refusals: a person can act on them (use another authenticator).
var (
	errSyncedForbidden = httpx.BadRequest("passkey_not_allowed",
		"Synced passkeys are not allowed here. Use a security key or a passkey that stays on one device.")
	errAuthenticatorForbidden = httpx.BadRequest("passkey_not_allowed",
		"Passkeys from this kind of authenticator are not allowed here. Use one your administrator approved.")
)

// checkNewCredential applies the policy to a credential that has just been
// verified at registration, before anything is stored.
func (h *Handler) checkNewCredential(r *http.Request, cred *webauthn.Credential) error {
	if h.Policy.ForbidSynced && cred.Flags.BackupEligible {
		h.securityEvent(r, "passkey.policy_refused", "reason", "backup eligible")
		return errSyncedForbidden.WithCause(errors.New("backup-eligible credential under ForbidSynced"))
	}
	if len(h.Policy.AllowedAAGUIDs) > 0 {
		// The nil AAGUID (an authenticator that does not say) passes only
		// when it is listed itself: an allow-list admits nothing unnamed.
		aaguid := formatUUID(cred.Authenticator.AAGUID)
		if !slices.Contains(h.Policy.AllowedAAGUIDs, aaguid) {
			h.securityEvent(r, "passkey.policy_refused", "reason", "aaguid not allowed", "aaguid", aaguid)
			return errAuthenticatorForbidden.WithCause(fmt.Errorf("AAGUID %s not in the allow-list", aaguid))
		}
	}
	return nil
}

// checkAssertion applies the policy to an assertion go-webauthn verified.
// User verification was already enforced by the library as the ceremony's
// session asked; a synced passkey is refused here, because a policy that
// forbids them must hold for passkeys registered before it did.
func (h *Handler) checkAssertion(r *http.Request, cred *webauthn.Credential) error {
	if h.Policy.ForbidSynced && cred.Flags.BackupEligible {
		h.securityEvent(r, "passkey.policy_refused", "reason", "backup eligible")
		return errSyncedForbidden.WithCause(errors.New("backup-eligible assertion under ForbidSynced"))
	}
	return nil
}
