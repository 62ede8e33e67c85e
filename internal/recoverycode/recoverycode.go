// Package recoverycode makes and checks recovery codes: the single-use
// codes that let a person back in when their only passkey is lost.
//
// A code is 10 characters of Crockford's base32 (50 bits), shown as
// XXXXX-XXXXX. People type them by hand, so input is forgiving: case,
// spaces and dashes do not matter, and the look-alikes O, I and L read as
// 0, 1 and 1.
//
// Codes are low-entropy compared with tokens, so only an argon2id hash is
// kept (RFC 9106; OWASP's parameters: 19 MiB, 2 passes). All codes of a set
// share one salt, so checking a guess against the set costs one hash, not
// ten; a guess for an unknown person costs the same hash, so timing does
// not tell whether the email exists. Comparisons are constant-time.
package recoverycode

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// Count is how many codes a set holds.
const Count = 10

// alphabet is Crockford's base32: no I, L, O or U, which read as digits.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// argon2id parameters (OWASP password storage cheat sheet).
const (
	memoryKiB = 19 * 1024
	passes    = 2
	threads   = 1
	keyLen    = 32
	saltLen   = 16
	codeLen   = 10
)

// New makes a fresh set of codes for a user: the codes to show once, and
// the records to store.
func New(userID string, now time.Time) ([]string, []storage.RecoveryCode) {
	salt := secrets.Bytes(saltLen)
	codes := make([]string, Count)
	records := make([]storage.RecoveryCode, Count)
	for i := range codes {
		raw := randomCode()
		codes[i] = raw[:5] + "-" + raw[5:]
		records[i] = storage.RecoveryCode{
			ID:        secrets.ID(),
			UserID:    userID,
			Hash:      encode(salt, hash(raw, salt)),
			CreatedAt: now,
		}
	}
	return codes, records
}

// randomCode draws codeLen letters without modulo bias: 32 letters, 5 bits
// each.
func randomCode() string {
	b := secrets.Bytes(codeLen)
	out := make([]byte, codeLen)
	for i, v := range b {
		out[i] = alphabet[v&31]
	}
	return string(out)
}

// Normalize turns what a person typed into the canonical form.
func Normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '\t':
			return -1
		case 'O':
			return '0'
		case 'I', 'L':
			return '1'
		}
		return r
	}, strings.ToUpper(s))
}

// Match checks a typed code against a person's codes and returns the
// unused one it matches. It always spends exactly one hash per distinct
// salt (one per set), and compares against every record.
func Match(typed string, records []storage.RecoveryCode) (storage.RecoveryCode, bool) {
	typed = Normalize(typed)
	var (
		found storage.RecoveryCode
		ok    bool
		cache = map[string][]byte{}
	)
	for _, r := range records {
		salt, want, err := decode(r.Hash)
		if err != nil {
			continue
		}
		got, seen := cache[string(salt)]
		if !seen {
			got = hash(typed, salt)
			cache[string(salt)] = got
		}
		if subtle.ConstantTimeCompare(got, want) == 1 && r.UsedAt.IsZero() && !ok {
			found, ok = r, true
		}
	}
	if len(cache) == 0 {
		Waste(typed)
	}
	return found, ok
}

// Waste spends the time of one check, for a guess that has nothing to be
// checked against (an unknown email), so its answer takes as long.
func Waste(typed string) {
	hash(Normalize(typed), make([]byte, saltLen))
}

func hash(code string, salt []byte) []byte {
	return argon2.IDKey([]byte(code), salt, passes, memoryKiB, threads, keyLen)
}

// encode stores the parameters with the hash, so they can change later.
func encode(salt, sum []byte) []byte {
	return fmt.Appendf(nil, "$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(sum))
}

var errFormat = errors.New("recovery code hash: unknown format")

func decode(encoded []byte) (salt, sum []byte, err error) {
	parts := bytes.Split(encoded, []byte("$"))
	want := fmt.Sprintf("m=%d,t=%d,p=%d", memoryKiB, passes, threads)
	if len(parts) != 6 || string(parts[1]) != "argon2id" || string(parts[3]) != want {
		return nil, nil, errFormat
	}
	if salt, err = base64.RawStdEncoding.DecodeString(string(parts[4])); err != nil {
		return nil, nil, errFormat
	}
	if sum, err = base64.RawStdEncoding.DecodeString(string(parts[5])); err != nil {
		return nil, nil, errFormat
	}
	return salt, sum, nil
}
