package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// Supported signing algorithms.
const (
	RS256 = jose.RS256
	ES256 = jose.ES256
)

// generate makes a new private key for alg.
func generate(alg jose.SignatureAlgorithm) (crypto.Signer, error) {
	switch alg {
	case RS256:
		return rsa.GenerateKey(rand.Reader, 2048)
	case ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("unsupported signing algorithm %q", alg)
	}
}

// thumbprint returns the RFC 7638 JWK thumbprint of a public key, base64url:
// the key id, stable for the key and the same on every replica.
func thumbprint(pub crypto.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// matches reports whether a private key suits an algorithm.
func matches(k crypto.Signer, alg jose.SignatureAlgorithm) bool {
	switch key := k.(type) {
	case *rsa.PrivateKey:
		return alg == RS256
	case *ecdsa.PrivateKey:
		return alg == ES256 && key.Curve == elliptic.P256()
	}
	return false
}

func parsePrivate(der []byte, alg jose.SignatureAlgorithm) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	signer, ok := k.(crypto.Signer)
	if !ok || !matches(signer, alg) {
		return nil, fmt.Errorf("stored key does not match algorithm %s", alg)
	}
	return signer, nil
}
