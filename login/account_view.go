package login

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/latchkey-id/latchkey/internal/httpx"
	"github.com/latchkey-id/latchkey/storage"
)

// accountPageData is what templates/account.html shows.
type accountPageData struct {
	pageBase
	CSRFToken string
	// RPID, UserHandle (base64url), Email and DisplayName feed the WebAuthn
	// Signal API calls of account.js.
	RPID        string
	UserHandle  string
	Email       string
	DisplayName string
	Passkeys    []passkeyRow
	// CanRemove is false when removing the one passkey would lock the
	// person out (no unused recovery code); the server refuses it anyway.
	CanRemove   bool
	UnusedCodes int
	Events      []eventRow
}

type passkeyRow struct {
	ID string
	// CredentialID (base64url) is for signalAllAcceptedCredentials.
	CredentialID  string
	Name          string
	Authenticator string
	Created       string
	LastUsed      string
	Synced        bool
	Transports    string
	// Flagged: its sign counter went back once (clone.go).
	Flagged bool
}

type eventRow struct {
	When      string
	ISO       string
	What      string
	IP        string
	UserAgent string
}

// accountView gathers the page: passkeys, recovery codes, recent events.
func (h *Handler) accountView(r *http.Request, user storage.User, sess storage.Session) (accountPageData, error) {
	ctx := r.Context()
	passkeys, err := h.Store.PasskeysByUser(ctx, user.ID)
	if err != nil {
		return accountPageData{}, httpx.Internal(fmt.Errorf("passkeys by user: %w", err))
	}
	unused, err := h.unusedRecoveryCodes(r, user.ID)
	if err != nil {
		return accountPageData{}, err
	}
	events, err := h.Store.SecurityEvents(ctx, user.ID, accountEventLimit)
	if err != nil {
		return accountPageData{}, httpx.Internal(fmt.Errorf("security events: %w", err))
	}
	pu := newPasskeyUser(user, nil)
	data := accountPageData{
		pageBase:    pageBase{Root: rootTop},
		CSRFToken:   h.csrfToken(sess),
		RPID:        h.WebAuthn.Config.RPID,
		UserHandle:  base64.RawURLEncoding.EncodeToString(user.WebAuthnID),
		Email:       user.Email,
		DisplayName: pu.WebAuthnDisplayName(),
		CanRemove:   len(passkeys) > 1 || unused > 0,
		UnusedCodes: unused,
	}
	for _, p := range passkeys {
		data.Passkeys = append(data.Passkeys, passkeyRowOf(p))
	}
	for _, e := range events {
		data.Events = append(data.Events, eventRow{
			When:      formatTime(e.CreatedAt),
			ISO:       e.CreatedAt.UTC().Format(time.RFC3339),
			What:      describeEvent(e),
			IP:        e.IP,
			UserAgent: e.UserAgent,
		})
	}
	return data, nil
}

func passkeyRowOf(p storage.Passkey) passkeyRow {
	row := passkeyRow{
		ID:            p.ID,
		CredentialID:  base64.RawURLEncoding.EncodeToString(p.CredentialID),
		Name:          p.Name,
		Authenticator: authenticatorName(p.AAGUID),
		Created:       formatTime(p.CreatedAt),
		LastUsed:      "Never",
		Synced:        p.BackupEligible || p.BackupState,
		Flagged:       p.CloneWarning,
	}
	if row.Authenticator == "" {
		row.Authenticator = "Unknown authenticator"
	}
	if !p.LastUsedAt.IsZero() {
		row.LastUsed = formatTime(p.LastUsedAt)
	}
	words := make([]string, 0, len(p.Transports))
	for _, t := range p.Transports {
		words = append(words, transportWords(t))
	}
	row.Transports = strings.Join(words, ", ")
	return row
}

// formatTime is a time as the page shows it, in UTC (the server does not
// know the person's zone; the <time> element carries the exact value).
func formatTime(t time.Time) string {
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// transportWords names a WebAuthn transport (§5.8.4) for people.
func transportWords(t string) string {
	switch t {
	case "internal":
		return "built in"
	case "hybrid":
		return "phone or tablet"
	case "usb":
		return "USB"
	case "nfc":
		return "NFC"
	case "ble":
		return "Bluetooth"
	case "smart-card":
		return "smart card"
	default:
		return t
	}
}

// eventWords says each event kind in words; %s is the event's detail
// (the passkey's name) where the kind has one.
var eventWords = map[string]string{
	eventSignIn:               "Signed in with %s",
	eventPasskeyAdded:         "Passkey added: %s",
	eventPasskeyRenamed:       "Passkey renamed to %s",
	eventPasskeyRemoved:       "Passkey removed: %s",
	eventCloneDetected:        "Sign-in with %s refused: its counter went back, so it may have been copied",
	eventRecoveryCodesCreated: "New recovery codes created",
	"recovery_used":           "Recovery code used",
	"passkeys_reset":          "Passkeys reset by an administrator",
	"signed_up":               "Account created",
}

// describeEvent is one line of security activity.
func describeEvent(e storage.SecurityEvent) string {
	words, ok := eventWords[e.Kind]
	if !ok {
		words = strings.ReplaceAll(e.Kind, "_", " ")
	}
	switch {
	case strings.Contains(words, "%s") && e.Detail != "":
		return strings.Replace(words, "%s", "“"+e.Detail+"”", 1)
	case strings.Contains(words, "%s"):
		return strings.Replace(words, " %s", " a passkey", 1)
	case e.Detail != "":
		return words + ": " + e.Detail
	}
	return words
}
