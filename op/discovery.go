package op

import (
	"encoding/json"
	"net/http"

	"github.com/go-jose/go-jose/v4"
)

// discoveryDocument is the OP's metadata (OIDC Discovery 1.0 §3, RFC 8414
// §2). Latchkey builds its own rather than zitadel's so that everything it
// advertises is true: zitadel lists the implicit and JWT-bearer grants,
// id_token response types and a device endpoint Latchkey does not offer,
// and omits RFC 9207 and the prompt values.
type discoveryDocument struct {
	Issuer                                    string   `json:"issuer"`
	AuthorizationEndpoint                     string   `json:"authorization_endpoint"`
	TokenEndpoint                             string   `json:"token_endpoint"`
	UserinfoEndpoint                          string   `json:"userinfo_endpoint"`
	JWKSURI                                   string   `json:"jwks_uri"`
	EndSessionEndpoint                        string   `json:"end_session_endpoint"`
	RevocationEndpoint                        string   `json:"revocation_endpoint"`
	IntrospectionEndpoint                     string   `json:"introspection_endpoint"`
	ScopesSupported                           []string `json:"scopes_supported"`
	ResponseTypesSupported                    []string `json:"response_types_supported"`
	ResponseModesSupported                    []string `json:"response_modes_supported"`
	GrantTypesSupported                       []string `json:"grant_types_supported"`
	SubjectTypesSupported                     []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported          []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported         []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported             []string `json:"code_challenge_methods_supported"`
	ClaimsSupported                           []string `json:"claims_supported"`
	ClaimTypesSupported                       []string `json:"claim_types_supported"`
	PromptValuesSupported                     []string `json:"prompt_values_supported"`
	UILocalesSupported                        []string `json:"ui_locales_supported"`
	ClaimsParameterSupported                  bool     `json:"claims_parameter_supported"`
	RequestParameterSupported                 bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported              bool     `json:"request_uri_parameter_supported"`
	AuthorizationResponseIssParameterSupport  bool     `json:"authorization_response_iss_parameter_supported"`
	BackchannelLogoutSupported                bool     `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported         bool     `json:"backchannel_logout_session_supported"`
}

// promptValues are the prompt values Latchkey acts on (OIDC Core
// §3.1.2.1), and "create" (Initiating User Registration via OpenID
// Connect 1.0) when sign-up is open.
func (p *Provider) promptValues() []string {
	if p.cfg.PromptCreate {
		return []string{"none", "login", "consent", "create"}
	}
	return []string{"none", "login", "consent"}
}

func (p *Provider) discoveryDocument() discoveryDocument {
	iss := p.cfg.Issuer
	return discoveryDocument{
		Issuer:                                    iss,
		AuthorizationEndpoint:                     iss + "/authorize",
		TokenEndpoint:                             iss + "/oauth/token",
		UserinfoEndpoint:                          iss + "/userinfo",
		JWKSURI:                                   iss + "/keys",
		EndSessionEndpoint:                        iss + "/end_session",
		RevocationEndpoint:                        iss + "/revoke",
		IntrospectionEndpoint:                     iss + "/oauth/introspect",
		ScopesSupported:                           supportedScopes,
		ResponseTypesSupported:                    []string{"code"},
		ResponseModesSupported:                    []string{responseModeQuery, responseModeFormPost},
		GrantTypesSupported:                       grantTypes,
		SubjectTypesSupported:                     []string{"public"},
		IDTokenSigningAlgValuesSupported:          algNames(p.storage.keys.Algorithms()),
		TokenEndpointAuthMethodsSupported:         []string{"client_secret_basic", "client_secret_post", "none"},
		RevocationEndpointAuthMethodsSupported:    []string{"client_secret_basic", "client_secret_post", "none"},
		IntrospectionEndpointAuthMethodsSupported: []string{"client_secret_basic"},
		CodeChallengeMethodsSupported:             []string{"S256"},
		ClaimsSupported:                           supportedClaims,
		ClaimTypesSupported:                       []string{"normal"},
		PromptValuesSupported:                     p.promptValues(),
		UILocalesSupported:                        []string{"en"},
		AuthorizationResponseIssParameterSupport:  true,
		BackchannelLogoutSupported:                true,
		BackchannelLogoutSessionSupported:         true,
	}
}

func algNames(algs []jose.SignatureAlgorithm) []string {
	out := make([]string, len(algs))
	for i, a := range algs {
		out[i] = string(a)
	}
	return out
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "Use GET.")
		return
	}
	body, _ := json.MarshalIndent(p.discoveryDocument(), "", "  ")
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(body)
}
