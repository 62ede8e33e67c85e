package op

import (
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/latchkey-id/latchkey/storage"
)

// authorize serves the authorization endpoint (RFC 6749 §4.1.1, OIDC Core
// §3.1.2.1), GET and POST. It replaces zitadel's so that every check the
// specs ask of it happens here, in this order: problems with the client or
// its redirect URI get an error page, since redirecting then could hand a
// response to an attacker (RFC 6749 §4.1.2.1); every later problem goes
// back to the client as an error response carrying state and iss.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct != "application/x-www-form-urlencoded" {
			p.errorPage(w, r, http.StatusBadRequest, "The sign-in request could not be read.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	}
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, http.StatusBadRequest, "The sign-in request could not be read.")
		return
	}
	params := r.Form
	dup := duplicated(params)
	if dup == "client_id" || dup == "redirect_uri" {
		p.errorPage(w, r, http.StatusBadRequest, fmt.Sprintf("The app sent %s more than once.", dup))
		return
	}
	ctx := r.Context()
	clientID, redirectURI := params.Get("client_id"), params.Get("redirect_uri")
	if clientID == "" {
		p.errorPage(w, r, http.StatusBadRequest, "The app did not say who it is (no client_id).")
		return
	}
	c, err := p.storage.clients.get(ctx, clientID)
	if err != nil {
		msg := "This app is not registered with this sign-in service."
		if !errors.Is(err, storage.ErrNotFound) {
			p.cfg.Logger.ErrorContext(ctx, "authorize: load client", "error", err)
			msg = "The sign-in service cannot answer right now. Try again later."
		}
		p.errorPage(w, r, http.StatusBadRequest, msg)
		return
	}
	if redirectURI == "" {
		p.errorPage(w, r, http.StatusBadRequest, "The app did not say where to return (no redirect_uri).")
		return
	}
	if !redirectAllowed(c, redirectURI) {
		p.errorPage(w, r, http.StatusBadRequest, "The app asked to return to an address it has not registered.")
		return
	}

	// From here on the redirect URI is trusted: errors go back to the app.
	mode := params.Get("response_mode")
	validMode := mode == "" || mode == responseModeQuery || mode == responseModeFormPost
	state := params.Get("state")
	if dup == "state" {
		state = "" // which one would we echo?
	}
	respMode := mode
	if !validMode {
		respMode = responseModeQuery
	}
	resp := newAuthResponse(p.cfg.Issuer, redirectURI, respMode, state)
	fail := func(code, description string) { resp.withError(code, description).write(w, r) }

	switch {
	case dup != "":
		fail("invalid_request", "The parameter "+dup+" was sent more than once.")
		return
	case !validMode:
		fail("invalid_request", "The response_mode is not supported; use query or form_post.")
		return
	case params.Has("request"):
		fail("request_not_supported", "Request objects are not supported.")
		return
	case params.Has("request_uri"):
		fail("request_uri_not_supported", "Request URIs are not supported.")
		return
	case params.Get("response_type") == "":
		fail("invalid_request", "The response_type is missing.")
		return
	case params.Get("response_type") != string(oidc.ResponseTypeCode):
		fail("unsupported_response_type", "Only the authorization code flow (response_type=code) is supported.")
		return
	}

	req, err := zop.ParseAuthorizeRequest(r, p.op.Decoder())
	if err != nil {
		fail("invalid_request", "The request could not be read: check max_age and the other parameters.")
		return
	}
	if !slices.Contains(req.Scopes, oidc.ScopeOpenID) {
		fail("invalid_scope", "The openid scope is required.")
		return
	}
	req.Scopes = allowedScopes(req.Scopes)
	if slices.Contains(req.Prompt, oidc.PromptNone) && len(req.Prompt) > 1 {
		fail("invalid_request", "prompt=none cannot be combined with other prompt values.")
		return
	}
	if e := checkPKCE(req); e != nil {
		fail(string(e.ErrorType), e.Description)
		return
	}
	var hintSubject string
	if req.IDTokenHint != "" {
		claims, err := zop.VerifyIDTokenHint[*oidc.IDTokenClaims](ctx, req.IDTokenHint, p.op.IDTokenHintVerifier(ctx))
		// An expired hint is still a fine hint (OIDC Core §3.1.2.1).
		if err != nil && !errors.As(err, &zop.IDTokenHintExpiredError{}) {
			fail("invalid_request", "The id_token_hint is not an ID token issued by this provider.")
			return
		}
		hintSubject = claims.Subject
	}
	authReq, err := p.storage.CreateAuthRequest(ctx, req, hintSubject)
	if err != nil {
		var e *oidc.Error
		if errors.As(err, &e) {
			fail(string(e.ErrorType), e.Description)
		} else {
			fail("server_error", "The sign-in could not be started.")
		}
		return
	}
	http.Redirect(w, r, p.cfg.LoginURL(authReq.GetID()), http.StatusFound)
}

// duplicated returns the name of a parameter sent more than once, or ""
// (RFC 6749 §3.1: parameters MUST NOT be included more than once).
func duplicated(v url.Values) string {
	names := make([]string, 0, len(v))
	for k, vs := range v {
		if len(vs) > 1 {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	return names[0]
}

// redirectAllowed compares a redirect URI with the client's registered
// ones as simple strings (OIDC Core §3.1.2.1; zitadel unescapes first, so
// /c%62 would match /cb). The one exception is RFC 8252 §7.3: a public
// (native) client registered with a loopback IP URI may use any port.
func redirectAllowed(c storage.Client, uri string) bool {
	if slices.Contains(c.RedirectURIs, uri) {
		return true
	}
	if !c.Public {
		return false
	}
	got, ok := loopback(uri)
	if !ok {
		return false
	}
	for _, reg := range c.RedirectURIs {
		if want, ok := loopback(reg); ok && want.Hostname() == got.Hostname() &&
			want.EscapedPath() == got.EscapedPath() && want.RawQuery == got.RawQuery {
			return true
		}
	}
	return false
}

// loopback parses an http URL whose host is a loopback IP literal.
func loopback(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Fragment != "" || u.User != nil {
		return nil, false
	}
	ip := net.ParseIP(u.Hostname())
	return u, ip != nil && ip.IsLoopback()
}

// allowedScopes keeps the scopes Latchkey understands, once each, in the
// order asked; unknown ones are dropped, never an error (DESIGN.md).
func allowedScopes(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if slices.Contains(supportedScopes, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// checkPKCE applies Latchkey's policy: S256 for every client, confidential
// ones too (RFC 9700 §2.1.1). zitadel would take plain, an unknown method
// (as plain), a missing method (plain by default) and, for confidential
// clients, no PKCE at all.
func checkPKCE(req *oidc.AuthRequest) *oidc.Error {
	if req.CodeChallenge == "" {
		return oidc.ErrInvalidRequest().WithDescription("code_challenge is required: use PKCE with code_challenge_method=S256 (RFC 7636).")
	}
	if req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256.")
	}
	// BASE64URL(SHA256(verifier)) is exactly 43 characters (RFC 7636 §4.2).
	if len(req.CodeChallenge) != 43 || strings.Trim(req.CodeChallenge, base64URLAlphabet) != "" {
		return oidc.ErrInvalidRequest().WithDescription("code_challenge is not a base64url SHA-256 digest.")
	}
	return nil
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
