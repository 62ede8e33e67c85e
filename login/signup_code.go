package login

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Sign-up codes: six random digits sent by email, kept only as an HMAC
// under the handler's secret (a plain hash of a million possible codes
// would be reversed at once by anyone who read the table), valid for ten
// minutes and five tries in all (the store counts them atomically).
const (
	signupCodeTTL   = 10 * time.Minute
	maxCodeAttempts = 5
	signupCodeLen   = 6
)

// newSignupCode draws six uniformly random digits.
func newSignupCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("draw sign-up code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// signupCodeHash is what the store keeps of a code: bound to the email, so
// a code sent to one address proves nothing about another.
func (h *Handler) signupCodeHash(email, code string) []byte {
	m := hmac.New(sha256.New, h.Secret)
	// Domain separation: these MACs are used for nothing else. Neither
	// part contains NUL (normalizeEmail refuses control characters).
	m.Write([]byte("latchkey signup code v1\x00" + email + "\x00" + code))
	return m.Sum(nil)
}

// normalizeSignupCode accepts a code as people type or paste it ("123 456",
// "123-456") and reports whether it is six ASCII digits.
func normalizeSignupCode(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if len(s) != signupCodeLen {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s, true
}
