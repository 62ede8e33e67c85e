package conformance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/testserver"
	"github.com/latchkey-id/latchkey/server"
)

// strs returns a metadata value that must be an array of strings.
func strs(t testing.TB, doc map[string]any, key string) []string {
	t.Helper()
	raw, ok := doc[key].([]any)
	if !ok {
		t.Errorf("%s = %#v, want a JSON array of strings", key, doc[key])
		return nil
	}
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		s, ok := v.(string)
		if !ok {
			t.Errorf("%s holds %#v, want strings only", key, v)
			continue
		}
		out = append(out, s)
	}
	return out
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func wantSet(t testing.TB, doc map[string]any, key string, want ...string) {
	t.Helper()
	if got := strs(t, doc, key); !sameSet(got, want) {
		t.Errorf("%s = %q, want exactly %q", key, got, want)
	}
}

func wantSuperset(t testing.TB, doc map[string]any, key string, want ...string) {
	t.Helper()
	got := strs(t, doc, key)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s = %q lacks %q", key, got, w)
		}
	}
}

func wantBool(t testing.TB, doc map[string]any, key string, want bool) {
	t.Helper()
	if got, ok := doc[key].(bool); !ok || got != want {
		t.Errorf("%s = %#v, want %v stated explicitly", key, doc[key], want)
	}
}

// wantEndpoint checks that an endpoint is an absolute URL under the issuer.
func wantEndpoint(t testing.TB, doc map[string]any, key, issuer string) string {
	t.Helper()
	u, ok := doc[key].(string)
	if !ok || !strings.HasPrefix(u, issuer+"/") {
		t.Errorf("%s = %#v, want an absolute URL under %s", key, doc[key], issuer)
	}
	return u
}

// TestA1DiscoveryDocument proves A1: GET {issuer}/.well-known/openid-configuration
// answers 200 application/json and its issuer is byte-identical to the
// configured issuer, with no trailing-slash drift (OIDC Discovery §4, §4.2,
// §4.3; RFC 8414 §3.3; suite: oidcc-discovery-endpoint-verification).
func TestA1DiscoveryDocument(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		srv := testserver.Start(t, backend)
		res := send(t, request(t, http.MethodGet, srv.URL+discoveryPath, nil))
		if res.Status != http.StatusOK {
			t.Fatalf("discovery = %d %s", res.Status, res.Body)
		}
		if mt := res.mediaType(); mt != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", res.Header.Get("Content-Type"))
		}
		doc := res.object(t)
		if got := doc["issuer"]; got != srv.URL {
			t.Errorf("issuer = %#v, want exactly %q", got, srv.URL)
		}
		// A certified relying party library performs the same check (OIDC
		// Discovery §4.3) and refuses a mismatch.
		if _, err := oidc.NewProvider(t.Context(), srv.URL); err != nil {
			t.Errorf("go-oidc refuses the discovery document: %v", err)
		}
	})
}

// TestA2RequiredMetadata proves A2: the metadata OIDC Discovery §3 requires
// is present (authorization, token, jwks and userinfo endpoints,
// response_types_supported ∋ code, subject_types_supported,
// id_token_signing_alg_values_supported ∋ RS256 — mandatory per OIDC Core
// §15.1 — scopes_supported ∋ openid, claims_supported), and every endpoint
// is https when the issuer is (only a localhost development issuer is http).
func TestA2RequiredMetadata(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		srv := testserver.Start(t, backend)
		doc := send(t, request(t, http.MethodGet, srv.URL+discoveryPath, nil)).object(t)
		for _, k := range []string{"authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"} {
			wantEndpoint(t, doc, k, srv.URL)
		}
		wantSuperset(t, doc, "response_types_supported", "code")
		if got := strs(t, doc, "subject_types_supported"); !slices.Contains(got, "public") && !slices.Contains(got, "pairwise") {
			t.Errorf("subject_types_supported = %q, want public or pairwise", got)
		}
		wantSuperset(t, doc, "id_token_signing_alg_values_supported", "RS256")
		wantSuperset(t, doc, "scopes_supported", "openid")
		if len(strs(t, doc, "claims_supported")) == 0 {
			t.Error("claims_supported is missing or empty")
		}

		t.Run("https outside development", func(t *testing.T) {
			const issuer = "https://login.example.com"
			srv := testserver.Start(t, backend, testserver.WithConfig(func(c *server.Config) { c.Issuer = issuer }))
			// The listener is plain http; the issuer decides every URL.
			doc := send(t, request(t, http.MethodGet, srv.HTTP.URL+discoveryPath, nil)).object(t)
			if doc["issuer"] != issuer {
				t.Errorf("issuer = %#v, want %s", doc["issuer"], issuer)
			}
			for k, v := range doc {
				if s, ok := v.(string); ok && (strings.HasSuffix(k, "_endpoint") || k == "jwks_uri") && !strings.HasPrefix(s, "https://") {
					t.Errorf("%s = %s: not https although the issuer is", k, s)
				}
			}
		})
	})
}

// TestA3FeatureMetadataIsTruthful proves A3 and pins Latchkey's feature
// metadata: code_challenge_methods_supported = ["S256"] (an array; PKCE
// S256 only), the three client authentication methods, exactly the
// authorization_code and refresh_token grants, only response_type code
// with the query and form_post modes, authorization_response_iss_parameter_supported
// (RFC 9207 §3), the revocation, introspection and end_session endpoints
// (RFC 8414 §2, RPIL §2.1), request_parameter_supported and
// request_uri_parameter_supported false stated explicitly (Disc §3: the
// latter defaults to true), no claims parameter, prompt values, back-channel
// logout, and no device authorization endpoint nor implicit or JWT-bearer
// grant, which Latchkey does not offer. TestDiscoveryGolden probes that
// each advertised feature really works.
func TestA3FeatureMetadataIsTruthful(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		srv := testserver.Start(t, backend)
		doc := send(t, request(t, http.MethodGet, srv.URL+discoveryPath, nil)).object(t)
		if got := strs(t, doc, "code_challenge_methods_supported"); !slices.Equal(got, []string{"S256"}) {
			t.Errorf("code_challenge_methods_supported = %q, want [S256]", got)
		}
		wantSet(t, doc, "token_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post", "none")
		wantSet(t, doc, "grant_types_supported", "authorization_code", "refresh_token")
		wantSet(t, doc, "response_types_supported", "code")
		wantSet(t, doc, "response_modes_supported", "query", "form_post")
		wantSet(t, doc, "subject_types_supported", "public")
		wantSet(t, doc, "id_token_signing_alg_values_supported", "RS256", "ES256")
		wantSuperset(t, doc, "scopes_supported", "openid", "profile", "email", "offline_access")
		wantSuperset(t, doc, "prompt_values_supported", "none", "login", "consent")
		wantBool(t, doc, "authorization_response_iss_parameter_supported", true)
		wantBool(t, doc, "request_parameter_supported", false)
		wantBool(t, doc, "request_uri_parameter_supported", false)
		wantBool(t, doc, "claims_parameter_supported", false)
		wantBool(t, doc, "backchannel_logout_supported", true)
		wantBool(t, doc, "backchannel_logout_session_supported", true)
		for _, k := range []string{"revocation_endpoint", "introspection_endpoint", "end_session_endpoint"} {
			wantEndpoint(t, doc, k, srv.URL)
		}
		if v, ok := doc["device_authorization_endpoint"]; ok {
			t.Errorf("device_authorization_endpoint = %v is advertised, but Latchkey has no device flow", v)
		}
	})
}

// TestA4JWKS proves A4: the JWKS is 200 JSON {keys:[…]}; every key has kty,
// a unique kid, use=sig (or alg) and no private member (RFC 7517 §4, §5;
// RFC 7518 §6); an RSA key for RS256 and an EC P-256 key for ES256 are
// there; after a key rotation the new key is published at once and signs
// soon after, while the old one stays published, so tokens it signed still
// verify (OIDC Core §10.1.1; suite:
// ValidateJwksSequence, CheckDistinctKeyIdValueInServerJWKs,
// oidcc-server-rotate-keys). The rotation is the operator's action on the
// server's key manager.
func TestA4JWKS(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		set, res := e.jwks()
		if res.Status != http.StatusOK || res.mediaType() != "application/json" {
			t.Fatalf("JWKS = %d %q", res.Status, res.Header.Get("Content-Type"))
		}
		var raw struct {
			Keys []map[string]any `json:"keys"`
		}
		if err := json.Unmarshal(res.Body, &raw); err != nil || len(raw.Keys) == 0 {
			t.Fatalf("JWKS is not {keys:[…]}: %v %s", err, res.Body)
		}
		kids := map[string]bool{}
		for _, k := range raw.Keys {
			kid, _ := k["kid"].(string)
			if k["kty"] == nil || kid == "" {
				t.Errorf("key without kty or kid: %v", k)
			}
			if kids[kid] {
				t.Errorf("kid %q is not unique", kid)
			}
			kids[kid] = true
			if k["use"] != "sig" && k["alg"] == nil {
				t.Errorf("key %s has neither use=sig nor alg: %v", kid, k)
			}
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
				if _, ok := k[private]; ok {
					t.Errorf("key %s publishes the private member %q", kid, private)
				}
			}
		}
		var rsaKey, ecKey bool
		for _, k := range set.Keys {
			switch pub := k.Key.(type) {
			case *rsa.PublicKey:
				rsaKey = rsaKey || k.Algorithm == "" || k.Algorithm == "RS256"
			case *ecdsa.PublicKey:
				ecKey = ecKey || pub.Curve == elliptic.P256() && (k.Algorithm == "" || k.Algorithm == "ES256")
			}
			if !k.IsPublic() {
				t.Errorf("key %s is not public", k.KeyID)
			}
		}
		if !rsaKey {
			t.Error("no RSA key for RS256 in the JWKS (OIDC Core §15.1)")
		}
		if !ecKey {
			t.Error("no EC P-256 key for ES256 in the JWKS, although discovery lists ES256")
		}

		// Rotation: the new key is published at once; once it signs (after
		// at most the server's activation delay, here passed by moving the
		// clock), the old key is still published and what it signed still
		// verifies.
		c := e.confidential()
		before := c.signIn(e.ada)
		oldHeader, _ := jwtParts(t, before.IDToken)
		oldKid := str(oldHeader, "kid")
		published := map[string]bool{}
		for _, k := range set.Keys {
			published[k.KeyID] = true
		}
		if _, err := e.srv.Keys.Rotate(e.ctx, jose.RS256, 2*time.Hour); err != nil {
			t.Fatalf("rotate the RS256 key: %v", err)
		}
		set, _ = e.jwks()
		var newKids []string
		for _, k := range set.Keys {
			if !published[k.KeyID] {
				newKids = append(newKids, k.KeyID)
			}
		}
		if len(newKids) != 1 {
			t.Fatalf("right after rotation the JWKS gained keys %q, want exactly the new one", newKids)
		}
		e.srv.Clock.Advance(5 * time.Minute)
		after := c.signIn(e.ada)
		newHeader, _ := jwtParts(t, after.IDToken)
		if kid := str(newHeader, "kid"); kid != newKids[0] {
			t.Errorf("5 minutes after rotation ID tokens are signed with kid %q, want the new key %q (old %q)", kid, newKids[0], oldKid)
		}
		set, _ = e.jwks()
		for _, kid := range []string{oldKid, newKids[0]} {
			if len(set.Key(kid)) != 1 {
				t.Errorf("kid %s is not published exactly once after rotation", kid)
			}
		}
		c.verify(before.IDToken)
		c.verify(after.IDToken)
	})
}

// TestA5IDTokenSignature proves A5: the ID token's kid is in the JWKS and
// its signature verifies with that key; alg is one of the advertised
// algorithms, RS256 for a client that chose nothing (OIDC Core §3.1.3.7
// steps 6–8, §15.1; Dynamic Registration §2), ES256 for a client
// registered with it, and never "none" (RFC 8725 §3.1; suite:
// oidcc-idtoken-signature, oidcc-idtoken-rs256).
func TestA5IDTokenSignature(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		advertised := strs(t, e.discovery(), "id_token_signing_alg_values_supported")
		for _, tc := range []struct {
			name, alg string
			nc        admin.NewClient
		}{
			{"a client that chose nothing gets RS256", "RS256", admin.NewClient{}},
			{"a client registered with ES256 gets ES256", "ES256", admin.NewClient{IDTokenAlg: "ES256"}},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				c := e.newClient(tc.nc)
				tok := c.signIn(e.ada)
				refreshed := c.refresh(tok.RefreshToken)
				for what, raw := range map[string]string{"ID token": tok.IDToken, "refreshed ID token": refreshed.IDToken} {
					header, _ := jwtParts(t, raw)
					alg := str(header, "alg")
					if alg != tc.alg {
						t.Errorf("%s alg = %q, want %s", what, alg, tc.alg)
					}
					if !slices.Contains(advertised, alg) || strings.EqualFold(alg, "none") {
						t.Errorf("%s alg %q is not one of the advertised %q", what, alg, advertised)
					}
					e.verifyWithJWKS(raw)
					c.verify(raw)
					set, _ := e.jwks()
					keys := set.Key(str(header, "kid"))
					if len(keys) == 1 && tc.alg == "ES256" {
						if pub, ok := keys[0].Key.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
							t.Errorf("%s: the key %s is %T, want an EC P-256 key", what, keys[0].KeyID, keys[0].Key)
						}
					}
				}
			})
		}
	})
}
