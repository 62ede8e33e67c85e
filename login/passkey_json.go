package login

import (
	"encoding/hex"
	"time"

	"github.com/latchkey-id/latchkey/storage"
)

// passkeyJSON is a passkey as the JSON API shows it (DESIGN.md, "Passkey
// management API"): an opaque id, never the credential id.
type passkeyJSON struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Authenticator *string  `json:"authenticator"`
	AAGUID        string   `json:"aaguid"`
	CreatedAt     string   `json:"created_at"`
	LastUsedAt    *string  `json:"last_used_at"`
	BackedUp      bool     `json:"backed_up"`
	Transports    []string `json:"transports"`
}

func passkeyView(p storage.Passkey) passkeyJSON {
	v := passkeyJSON{
		ID:         p.ID,
		Name:       p.Name,
		AAGUID:     formatUUID(p.AAGUID),
		CreatedAt:  p.CreatedAt.UTC().Format(time.RFC3339),
		BackedUp:   p.BackupState,
		Transports: p.Transports,
	}
	if v.Transports == nil {
		v.Transports = []string{}
	}
	if name := authenticatorName(p.AAGUID); name != "" {
		v.Authenticator = &name
	}
	if !p.LastUsedAt.IsZero() {
		s := p.LastUsedAt.UTC().Format(time.RFC3339)
		v.LastUsedAt = &s
	}
	return v
}

// formatUUID writes a 16-byte AAGUID as a lower-case UUID; anything else
// (absent or malformed) as the nil UUID, which is what "no AAGUID" means.
func formatUUID(b []byte) string {
	if len(b) != 16 {
		b = make([]byte, 16)
	}
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
