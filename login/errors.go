package login

import "github.com/latchkey-id/latchkey/internal/httpx"

// The errors the JSON endpoints answer. Codes are stable (custom UIs may
// branch on them); descriptions are written for the person in front of the
// page and never carry internal detail.
var (
	errSignInExpired = httpx.Gone("sign_in_expired",
		"This sign-in has expired. Go back to the app and try again.")
	errCeremonyExpired = httpx.BadRequest("ceremony_expired",
		"This passkey request has expired or was already used. Try again.")
	errInvalidCredential = httpx.BadRequest("invalid_credential",
		"The passkey could not be verified. Try again.")
	errMalformedCredential = httpx.BadRequest("invalid_request",
		"The passkey response could not be read.")
	errUnknownCredential = httpx.BadRequest("unknown_credential",
		"This passkey is not registered here. It may have been removed.")
	errLinkExpired = httpx.Gone("link_expired",
		"This link has expired or was already used. Ask for a new one.")
	errAlreadyRegistered = httpx.Conflict("already_registered",
		"This passkey is already registered.")
	errEmailTaken = httpx.Conflict("email_taken",
		"An account with this email address already exists.")
	errCrossOrigin = httpx.Forbidden("cross_origin",
		"Cross-origin requests are not allowed.")
	errMissingRequestID = httpx.BadRequest("invalid_request",
		"auth_request_id is missing or malformed.")
	errInvalidEmail = httpx.BadRequest("invalid_request",
		"Enter a valid email address.")
	errInvalidName = httpx.BadRequest("invalid_request",
		"Enter a name of 1 to 64 characters, without control characters.")
	errMissingCredential = httpx.BadRequest("invalid_request",
		"credential is required.")
	errNotSignedIn = httpx.Forbidden("login_required",
		"You are no longer signed in. Go back to the app and try again.")
	errOtherSession = httpx.Forbidden("wrong_session",
		"This sign-in was started in another session or by another person. Go back to the app and try again.")
)

// Page errors: the same shape, shown as an HTML page.
var (
	pageSignInExpired = httpx.BadRequest("sign_in_expired",
		"This sign-in has expired. Go back to the app and try again.")
	pageLinkExpired = httpx.Gone("link_expired",
		"This link has expired or was already used. Ask your administrator for a new one.")
)

// maxIDLength bounds ids and tokens taken from the outside before they
// reach the store: ours are 22 or 43 characters.
const maxIDLength = 128

// validID reports whether s can be an id of ours: 1–128 URL-unreserved
// characters (RFC 3986 §2.3). Checking before the store keeps odd input
// (a NUL, which PostgreSQL text refuses) from turning into a 500.
func validID(s string) bool {
	if len(s) == 0 || len(s) > maxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '~':
		default:
			return false
		}
	}
	return true
}
