package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/latchkey-id/latchkey/internal/secrets"
)

// MasterKeySize is the length of the master key in bytes (AES-256).
const MasterKeySize = 32

// ErrNoMasterKey is returned when no master key was configured.
var ErrNoMasterKey = errors.New("master key is not set (LATCHKEY_MASTER_KEY: 32 random bytes in base64, e.g. `openssl rand -base64 32`)")

// ParseMasterKey decodes a master key given as base64 (standard or URL
// alphabet, padded or not). It must decode to exactly 32 bytes.
func ParseMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ErrNoMasterKey
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != MasterKeySize {
				return nil, fmt.Errorf("master key is %d bytes, want %d (32 random bytes in base64)", len(b), MasterKeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("master key is not valid base64 (want 32 random bytes in base64)")
}

// NewMasterKey returns a fresh random master key, base64-encoded.
func NewMasterKey() string {
	return base64.StdEncoding.EncodeToString(secrets.Bytes(MasterKeySize))
}

// sealer encrypts private keys at rest.
type sealer struct{ aead cipher.AEAD }

func newSealer(masterKey []byte) (*sealer, error) {
	if len(masterKey) != MasterKeySize {
		return nil, fmt.Errorf("master key is %d bytes, want %d", len(masterKey), MasterKeySize)
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal returns nonce || ciphertext, bound to the additional data.
func (s *sealer) seal(plaintext []byte, ad string) []byte {
	nonce := secrets.Bytes(s.aead.NonceSize())
	return s.aead.Seal(nonce, nonce, plaintext, []byte(ad))
}

func (s *sealer) open(sealed []byte, ad string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errors.New("sealed key is truncated")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(ad))
	if err != nil {
		// The usual cause is a different master key than the one the
		// keys were created under.
		return nil, errors.New("cannot decrypt signing key: wrong master key?")
	}
	return plain, nil
}
