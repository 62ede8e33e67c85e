package op

import (
	"context"

	"github.com/go-jose/go-jose/v4"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/latchkey-id/latchkey/keys"
	"github.com/latchkey-id/latchkey/storage"
)

// signingKey presents a keys.Key to zitadel, which signs with Key().
type signingKey struct{ k keys.Key }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.k.Algorithm }
func (k signingKey) Key() any                                    { return k.k.Signer }
func (k signingKey) ID() string                                  { return k.k.ID }

// publicKey presents a published key; Key() is the PUBLIC key, or the
// JWKS would leak the private members.
type publicKey struct{ k keys.PublicKey }

func (k publicKey) ID() string                         { return k.k.ID }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return k.k.Algorithm }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.k.Key }

// SigningKey returns the key that signs now. zitadel asks with only a
// context; the token endpoint put the client id there (clientEndpoint), so
// each client gets its chosen algorithm — RS256 unless it registered ES256.
func (s *Storage) SigningKey(ctx context.Context) (zop.SigningKey, error) {
	alg := s.keys.Algorithms()[0]
	if id := clientIDFrom(ctx); id != "" {
		if c, err := s.clients.get(ctx, id); err == nil {
			alg = s.clientAlgorithm(c)
		}
	}
	k, err := s.keys.Signer(ctx, alg)
	if err != nil {
		return nil, s.errUnavailable(ctx, "signing key", err)
	}
	return signingKey{k}, nil
}

// clientAlgorithm is the ID token algorithm of a client: its registered
// one if this OP holds a key for it, else the default (RS256, mandatory in
// OIDC Core §15.1).
func (s *Storage) clientAlgorithm(c storage.Client) jose.SignatureAlgorithm {
	algs := s.keys.Algorithms()
	for _, a := range algs {
		if string(a) == c.IDTokenAlg {
			return a
		}
	}
	return algs[0]
}

// SignatureAlgorithms lists the algorithms for discovery.
func (s *Storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return s.keys.Algorithms(), nil
}

// KeySet returns the published keys: JWKS, and the OP's own checks of
// id_token_hint.
func (s *Storage) KeySet(ctx context.Context) ([]zop.Key, error) {
	pub, err := s.keys.PublicKeys(ctx)
	if err != nil {
		return nil, s.errUnavailable(ctx, "key set", err)
	}
	out := make([]zop.Key, 0, len(pub))
	for _, k := range pub {
		out = append(out, publicKey{k})
	}
	return out, nil
}
