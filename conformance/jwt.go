package conformance

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// jwtParts decodes a compact JWS without verifying it: its header and its
// claims (numbers as json.Number).
func jwtParts(t testing.TB, raw string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS (%d parts): %.80s", len(parts), raw)
	}
	return decodeSegment(t, parts[0]), decodeSegment(t, parts[1])
}

func decodeSegment(t testing.TB, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("JWT segment is not base64url: %v", err)
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("JWT segment is not a JSON object: %v: %s", err, b)
	}
	return m
}

// claimsOf decodes an ID token's claims.
func claimsOf(t testing.TB, raw string) map[string]any {
	t.Helper()
	_, c := jwtParts(t, raw)
	return c
}

// num returns a numeric claim as int64, failing when it is not an integer.
func num(t testing.TB, claims map[string]any, name string) int64 {
	t.Helper()
	n, ok := claims[name].(json.Number)
	if !ok {
		t.Fatalf("claim %s = %#v, want a number", name, claims[name])
	}
	v, err := n.Int64()
	if err != nil {
		t.Fatalf("claim %s = %s, want an integer number of seconds", name, n)
	}
	return v
}

// str returns a string claim or "".
func str(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}

// discovery fetches the discovery document.
func (e *env) discovery() map[string]any {
	e.t.Helper()
	res := send(e.t, request(e.t, http.MethodGet, e.srv.URL+discoveryPath, nil))
	if res.Status != http.StatusOK {
		e.t.Fatalf("discovery = %d %s", res.Status, res.Body)
	}
	return res.object(e.t)
}

// jwks fetches the key set at the discovery document's jwks_uri.
func (e *env) jwks() (jose.JSONWebKeySet, httpResult) {
	e.t.Helper()
	uri := str(e.discovery(), "jwks_uri")
	if uri == "" {
		e.t.Fatal("discovery has no jwks_uri")
	}
	res := send(e.t, request(e.t, http.MethodGet, uri, nil))
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(res.Body, &set); err != nil {
		e.t.Fatalf("JWKS: %v: %.300s", err, res.Body)
	}
	return set, res
}

// verifyWithJWKS checks a JWS against the OP's published keys: its kid must
// name a key there and the signature must verify with it. It returns the
// verified payload.
func (e *env) verifyWithJWKS(raw string) []byte {
	e.t.Helper()
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		e.t.Fatalf("parse JWS: %v", err)
	}
	kid := jws.Signatures[0].Header.KeyID
	set, _ := e.jwks()
	keys := set.Key(kid)
	if len(keys) == 0 {
		e.t.Fatalf("kid %q is not in the JWKS", kid)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		e.t.Fatalf("signature does not verify with JWKS key %q: %v", kid, err)
	}
	return payload
}

// forgeUnsigned re-encodes a JWT's claims with alg "none" and no signature
// (RFC 7519 §6; RFC 8725 §3.1 says never accept it).
func forgeUnsigned(t testing.TB, raw string) string {
	t.Helper()
	parts := strings.Split(raw, ".")
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return header + "." + parts[1] + "."
}

// forgeForeign re-signs a JWT's claims, unchanged, with a fresh RSA key that
// is not the OP's, under the OP's own kid.
func forgeForeign(t testing.TB, raw string) string {
	t.Helper()
	header, _ := jwtParts(t, raw)
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.RS256,
		Key:       jose.JSONWebKey{Key: key, KeyID: str(header, "kid")},
	}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// leftHalfHash is at_hash / c_hash for the SHA-256 algorithms (RS256,
// ES256): base64url of the left half of SHA-256 of the ASCII value (OIDC
// Core §3.1.3.6, §3.3.2.11).
func leftHalfHash(value string) string {
	sum := sha256.Sum256([]byte(value))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
