package conformance

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"github.com/latchkey-id/latchkey/admin"
)

// discoveryProbes maps each metadata field Latchkey may advertise to a
// check against the running server that what it says is true.
func (e *env) discoveryProbes(doc map[string]any) map[string]func() {
	c := e.confidential()
	list := func(k string) []string { return strs(e.t, doc, k) }
	endpoint := func(k, path string) func() {
		return func() {
			if got := str(doc, k); got != e.srv.URL+path {
				e.t.Errorf("%s = %q, want %s", k, got, e.srv.URL+path)
			}
		}
	}
	then := func(fs ...func()) func() {
		return func() {
			for _, f := range fs {
				f()
			}
		}
	}
	unknown := func(kind, v string) { e.t.Errorf("%s %q is advertised, but no probe knows how to check it", kind, v) }

	return map[string]func(){
		"issuer": func() {
			if doc["issuer"] != e.srv.URL {
				e.t.Errorf("issuer = %v", doc["issuer"])
			}
		},
		"authorization_endpoint": then(endpoint("authorization_endpoint", "/authorize"), func() { c.signIn(e.ada) }),
		"token_endpoint":         then(endpoint("token_endpoint", "/oauth/token"), func() { c.signIn(e.ada) }),
		"userinfo_endpoint": then(endpoint("userinfo_endpoint", "/userinfo"), func() {
			e.wantUserinfo(c.signIn(e.ada).AccessToken)
		}),
		"jwks_uri": then(endpoint("jwks_uri", "/keys"), func() { e.verifyWithJWKS(c.signIn(e.ada).IDToken) }),
		"revocation_endpoint": then(endpoint("revocation_endpoint", "/revoke"), func() {
			tok := c.signIn(e.ada)
			if res := c.revoke(tok.AccessToken, ""); res.Status != http.StatusOK {
				e.t.Errorf("revoke = %d %s", res.Status, res.Body)
			}
			e.wantUserinfoRefused(tok.AccessToken, "a revoked token")
		}),
		"introspection_endpoint": then(endpoint("introspection_endpoint", "/oauth/introspect"), func() {
			if res := c.introspect(c.signIn(e.ada).AccessToken); res.Status != http.StatusOK || res.object(e.t)["active"] != true {
				e.t.Errorf("introspect = %d %s", res.Status, res.Body)
			}
		}),
		"end_session_endpoint": then(endpoint("end_session_endpoint", "/end_session"), func() {
			c.signIn(e.ada)
			if res := e.endSession(e.ada, http.MethodGet, nil); res.Status != http.StatusOK {
				e.t.Errorf("end_session = %d", res.Status)
			}
			e.wantSignedOut(e.ada, c)
		}),
		"scopes_supported": func() {
			for _, s := range list("scopes_supported") {
				scope := "openid " + s
				if s == "openid" {
					scope = s
				}
				tok := c.signIn(e.ada, func(a *authRequest) { a.set("scope", scope) })
				switch s {
				case "openid":
					c.verify(tok.IDToken)
				case "offline_access":
					if tok.RefreshToken == "" {
						e.t.Error("offline_access granted no refresh token")
					}
				case "profile":
					if e.wantUserinfo(tok.AccessToken)["name"] != adaName {
						e.t.Error("profile granted no name")
					}
				case "email":
					if e.wantUserinfo(tok.AccessToken)["email"] != adaEmail {
						e.t.Error("email granted no email")
					}
				case "passkeys":
					// The passkey management API lists Ada's passkeys.
					req := request(e.t, http.MethodGet, e.srv.URL+"/api/v1/me/passkeys", nil)
					req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
					res := send(e.t, req)
					var list []struct {
						ID string `json:"id"`
					}
					if err := json.Unmarshal(res.Body, &list); res.Status != http.StatusOK || err != nil || len(list) != 1 || list[0].ID == "" {
						e.t.Errorf("passkeys granted no passkey list: %d %s", res.Status, res.Body)
					}
				default:
					unknown("scope", s)
				}
			}
		},
		"response_types_supported": func() {
			for _, rt := range list("response_types_supported") {
				if rt != "code" {
					unknown("response type", rt)
					continue
				}
				c.signIn(e.ada)
			}
		},
		"response_modes_supported": func() {
			for _, m := range list("response_modes_supported") {
				a := c.authorization().set("response_mode", m)
				out := e.authorize(e.ada, a)
				switch m {
				case "query":
					e.codeOf(out, a)
				case "form_post":
					if out.Redirect != nil || out.Last.Status != http.StatusOK || !bytes.Contains(out.Last.Body, []byte(`name="code"`)) {
						e.t.Errorf("form_post answered %d %v", out.Last.Status, out.Redirect)
					}
				default:
					unknown("response mode", m)
				}
			}
		},
		"grant_types_supported": func() {
			for _, g := range list("grant_types_supported") {
				switch g {
				case "authorization_code":
					c.signIn(e.ada)
				case "refresh_token":
					c.refresh(c.signIn(e.ada).RefreshToken)
				default:
					unknown("grant type", g)
				}
			}
		},
		"subject_types_supported": func() {
			for _, s := range list("subject_types_supported") {
				if s != "public" {
					unknown("subject type", s)
					continue
				}
				other := e.newClient(admin.NewClient{RedirectURIs: []string{otherRedirect}})
				if a, b := claimsOf(e.t, c.signIn(e.ada).IDToken)["sub"], claimsOf(e.t, other.signIn(e.ada).IDToken)["sub"]; a != b {
					e.t.Errorf("public subject differs between clients: %v, %v", a, b)
				}
			}
		},
		"id_token_signing_alg_values_supported": func() {
			for _, alg := range list("id_token_signing_alg_values_supported") {
				cl := e.newClient(admin.NewClient{IDTokenAlg: alg})
				header, _ := jwtParts(e.t, cl.signIn(e.ada).IDToken)
				if header["alg"] != alg {
					e.t.Errorf("a client registered with %s got an ID token signed with %v", alg, header["alg"])
				}
			}
		},
		"token_endpoint_auth_methods_supported": func() {
			pub := e.newClient(admin.NewClient{Public: true})
			for _, m := range list("token_endpoint_auth_methods_supported") {
				who, how := c, map[string]clientAuth{"client_secret_basic": basicAuth, "client_secret_post": postAuth, "none": noAuth}[m]
				if m == "none" {
					who = pub
				} else if how == asRegistered {
					unknown("token endpoint auth method", m)
					continue
				}
				a := who.authorization()
				if res := who.token(who.codeForm(e.code(e.ada, a), a.Verifier), how); res.Status != http.StatusOK {
					e.t.Errorf("%s at the token endpoint: %d %s", m, res.Status, res.Body)
				}
			}
		},
		"revocation_endpoint_auth_methods_supported": func() {
			pub := e.newClient(admin.NewClient{Public: true})
			for _, m := range list("revocation_endpoint_auth_methods_supported") {
				who, how := c, map[string]clientAuth{"client_secret_basic": basicAuth, "client_secret_post": postAuth, "none": noAuth}[m]
				if m == "none" {
					who = pub
				} else if how == asRegistered {
					unknown("revocation auth method", m)
					continue
				}
				tok := who.signIn(e.ada)
				if res := who.post("/revoke", map[string][]string{"token": {tok.AccessToken}}, how); res.Status != http.StatusOK {
					e.t.Errorf("%s at the revocation endpoint: %d %s", m, res.Status, res.Body)
				}
				e.wantUserinfoRefused(tok.AccessToken, m+" revocation")
			}
		},
		"introspection_endpoint_auth_methods_supported": func() {
			for _, m := range list("introspection_endpoint_auth_methods_supported") {
				how := map[string]clientAuth{"client_secret_basic": basicAuth, "client_secret_post": postAuth}[m]
				if how == asRegistered {
					unknown("introspection auth method", m)
					continue
				}
				res := c.post("/oauth/introspect", map[string][]string{"token": {c.signIn(e.ada).AccessToken}}, how)
				if res.Status != http.StatusOK || res.object(e.t)["active"] != true {
					e.t.Errorf("%s at the introspection endpoint: %d %s", m, res.Status, res.Body)
				}
			}
		},
		"token_endpoint_auth_signing_alg_values_supported":         e.jwtAuthAlgsProbe(doc, "token_endpoint"),
		"revocation_endpoint_auth_signing_alg_values_supported":    e.jwtAuthAlgsProbe(doc, "revocation_endpoint"),
		"introspection_endpoint_auth_signing_alg_values_supported": e.jwtAuthAlgsProbe(doc, "introspection_endpoint"),
		"code_challenge_methods_supported": func() {
			for _, m := range list("code_challenge_methods_supported") {
				if m != "S256" {
					unknown("code challenge method", m)
					continue
				}
				c.signIn(e.ada)
			}
		},
		"claims_supported": func() {
			// Every listed claim must be one Latchkey really supplies (the
			// list need not be exhaustive, Disc §3).
			full := e.newClient(admin.NewClient{IDTokenClaims: true})
			tok := full.signIn(e.ada)
			seen := claimsOf(e.t, tok.IDToken)
			for k, v := range e.wantUserinfo(tok.AccessToken) {
				seen[k] = v
			}
			for _, k := range list("claims_supported") {
				if _, ok := seen[k]; !ok {
					e.t.Errorf("claims_supported lists %s, but neither the ID token nor userinfo carries it (seen %v)", k, slices.Sorted(maps.Keys(seen)))
				}
			}
		},
		"claim_types_supported": func() {
			for _, ct := range list("claim_types_supported") {
				if ct != "normal" {
					unknown("claim type", ct)
					continue
				}
				res := e.userinfo(c.signIn(e.ada).AccessToken)
				if res.Status != http.StatusOK || res.mediaType() != "application/json" {
					e.t.Errorf("normal claims: userinfo answered %d %q", res.Status, res.Header.Get("Content-Type"))
				}
			}
		},
		"ui_locales_supported": func() {
			for _, l := range list("ui_locales_supported") {
				c.signIn(e.ada, func(a *authRequest) { a.set("ui_locales", l) })
			}
		},
		"claims_parameter_supported": func() {
			wantBool(e.t, doc, "claims_parameter_supported", false)
			tok := c.signIn(e.ada, func(a *authRequest) {
				a.set("scope", "openid").set("claims", `{"userinfo":{"email":{"essential":true}}}`)
			})
			if _, ok := e.wantUserinfo(tok.AccessToken)["email"]; ok {
				e.t.Error("claims_parameter_supported is false, but the claims parameter released email")
			}
		},
		"request_parameter_supported": func() {
			wantBool(e.t, doc, "request_parameter_supported", false)
			a := c.authorization()
			a.set("request", unsignedRequestObject(a))
			e.wantErrorRedirect(e.authorize(e.ada, a, walkOptions{noCeremony: true}), a, "request_not_supported")
		},
		"request_uri_parameter_supported": func() {
			wantBool(e.t, doc, "request_uri_parameter_supported", false)
			a := c.authorization().set("request_uri", appOrigin+"/request.jwt")
			e.wantErrorRedirect(e.authorize(e.ada, a, walkOptions{noCeremony: true}), a, "request_uri_not_supported")
		},
		"authorization_response_iss_parameter_supported": func() {
			wantBool(e.t, doc, "authorization_response_iss_parameter_supported", true)
			a := c.authorization()
			out := e.authorize(e.ada, a)
			e.codeOf(out, a)
			e.wantIss(out.Redirect.Query(), "code response")
		},
		"prompt_values_supported": func() {
			for _, p := range list("prompt_values_supported") {
				switch p {
				case "none":
					c.signIn(e.ada)
					a := c.authorization().set("prompt", "none")
					e.code(e.ada, a, walkOptions{noCeremony: true})
				case "login":
					a := c.authorization().set("prompt", "login")
					if out := e.authorize(e.ada, a); out.Ceremonies != 1 {
						e.t.Errorf("prompt=login ran %d ceremonies", out.Ceremonies)
					}
				case "consent":
					consenting := e.newClient(admin.NewClient{Consent: true})
					a := consenting.authorization()
					e.code(e.ada, a, walkOptions{consent: "allow"})
					a = consenting.authorization().set("prompt", "consent")
					if out := e.authorize(e.ada, a); out.ConsentID == "" {
						e.t.Error("prompt=consent did not ask for consent again")
					}
				default:
					unknown("prompt value", p)
				}
			}
		},
		"backchannel_logout_supported": func() {
			// Delivery is proven by TestBackChannelLogout.
			wantBool(e.t, doc, "backchannel_logout_supported", true)
		},
		"backchannel_logout_session_supported": func() {
			wantBool(e.t, doc, "backchannel_logout_session_supported", true)
			if str(claimsOf(e.t, c.signIn(e.ada).IDToken), "sid") == "" {
				e.t.Error("backchannel_logout_session_supported, but the ID token has no sid")
			}
		},
		"device_authorization_endpoint": func() {
			e.t.Errorf("device_authorization_endpoint = %v is advertised, but Latchkey has no device flow", doc["device_authorization_endpoint"])
		},
	}
}

// jwtAuthAlgsProbe: the *_auth_signing_alg_values_supported fields describe
// private_key_jwt and client_secret_jwt (RFC 8414 §2), so they are true only
// next to one of those methods.
func (e *env) jwtAuthAlgsProbe(doc map[string]any, endpoint string) func() {
	return func() {
		methods := strs(e.t, doc, endpoint+"_auth_methods_supported")
		if !slices.Contains(methods, "private_key_jwt") && !slices.Contains(methods, "client_secret_jwt") {
			e.t.Errorf("%s_auth_signing_alg_values_supported is advertised, but %s accepts no JWT client authentication (methods %q)", endpoint, endpoint, methods)
		}
	}
}
