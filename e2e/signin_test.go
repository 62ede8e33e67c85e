package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
	"github.com/latchkey-id/latchkey/internal/testserver"
)

const rpRedirect = "http://localhost:9999/callback"

// relyingParty is an app integrated the standard way.
type relyingParty struct {
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newRelyingParty(t *testing.T, srv *testserver.Server, public bool) relyingParty {
	t.Helper()
	ctx := context.Background()
	c, err := srv.Admin.CreateClient(ctx, admin.NewClient{
		Name: "Demo app", RedirectURIs: []string{rpRedirect},
		PostLogoutRedirectURIs: []string{"http://localhost:9999/signed-out"}, Public: public,
	})
	if err != nil {
		t.Fatal(err)
	}
	provider, err := oidc.NewProvider(ctx, srv.URL) // discovery; checks the issuer matches
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return relyingParty{
		provider: provider,
		oauth: oauth2.Config{
			ClientID: c.Client.ID, ClientSecret: c.Secret, Endpoint: provider.Endpoint(), RedirectURL: rpRedirect,
			Scopes: []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess},
		},
		verifier: provider.Verifier(&oidc.Config{ClientID: c.Client.ID}),
	}
}

// signIn runs one authorization code flow with PKCE and returns the tokens
// and the verified ID token.
func (rp relyingParty) signIn(t *testing.T, p *testpasskey.Person, extra ...oauth2.AuthCodeOption) (*oauth2.Token, *oidc.IDToken, string) {
	t.Helper()
	ctx := context.Background()
	state, nonce, verifier := secrets.Token(), secrets.Token(), oauth2.GenerateVerifier()
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}, extra...)
	loc := p.Authorize(rp.oauth.AuthCodeURL(state, opts...))
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != rpRedirect {
		t.Fatalf("redirected to %s, want the client's %s", loc, rpRedirect)
	}
	q := loc.Query()
	if q.Get("error") != "" {
		t.Fatalf("authorization error: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != state {
		t.Fatalf("state = %q, want %q", q.Get("state"), state)
	}
	tok, err := rp.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := rp.verifier.Verify(ctx, raw) // signature against the JWKS, iss, aud, exp
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != nonce {
		t.Fatalf("nonce = %q, want %q", idt.Nonce, nonce)
	}
	return tok, idt, raw
}

type idClaims struct {
	AuthTime int64    `json:"auth_time"`
	AMR      []string `json:"amr"`
	AtHash   string   `json:"at_hash"`
	Email    string   `json:"email"`
}

func TestSignInWithAPasskeyEndToEnd(t *testing.T) {
	for _, backend := range testserver.Backends {
		t.Run(backend, func(t *testing.T) {
			srv := testserver.Start(t, backend)
			ctx := context.Background()
			user, err := srv.Admin.CreateUser(ctx, admin.NewUser{Email: "ada@example.com", Name: "Ada Lovelace"})
			if err != nil {
				t.Fatal(err)
			}
			ada := testpasskey.New(t, srv.URL)
			passkey := ada.Enroll(user.EnrollmentURL, nil)
			if passkey["id"] == "" || passkey["name"] == "" {
				t.Fatalf("enrollment answered passkey %v", passkey)
			}
			// The enrollment link works once.
			if res := ada.Get(user.EnrollmentURL); res.Status < 400 {
				t.Fatalf("a used enrollment link answered %d", res.Status)
			}

			rp := newRelyingParty(t, srv, false)
			before := time.Now().Unix()
			tok, idt, rawID := rp.signIn(t, ada)
			after := time.Now().Unix()

			if idt.Subject != user.User.ID || idt.Issuer != srv.URL || !slices.Equal(idt.Audience, []string{rp.oauth.ClientID}) {
				t.Fatalf("ID token sub/iss/aud = %s %s %v", idt.Subject, idt.Issuer, idt.Audience)
			}
			var claims idClaims
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			if claims.AuthTime < before || claims.AuthTime > after {
				t.Errorf("auth_time %d is not the time of the ceremony [%d, %d]", claims.AuthTime, before, after)
			}
			for _, want := range []string{"hwk", "user", "mfa"} {
				if !slices.Contains(claims.AMR, want) {
					t.Errorf("amr %v lacks %q", claims.AMR, want)
				}
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil || claims.AtHash == "" {
				t.Errorf("at_hash %q does not match the access token: %v", claims.AtHash, err)
			}
			if claims.Email != "" {
				t.Errorf("the ID token carries email %q although an access token was issued (OIDC Core §5.4)", claims.Email)
			}
			if tok.RefreshToken == "" {
				t.Fatal("no refresh token although offline_access was granted")
			}

			// Userinfo with the access token.
			info, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			var profile struct {
				Name              string `json:"name"`
				PreferredUsername string `json:"preferred_username"`
			}
			if err := info.Claims(&profile); err != nil {
				t.Fatal(err)
			}
			if info.Subject != user.User.ID || info.Email != "ada@example.com" || !info.EmailVerified || profile.Name != "Ada Lovelace" || profile.PreferredUsername != "ada@example.com" {
				t.Fatalf("userinfo = %+v %+v", info, profile)
			}

			// Refresh rotates: a new pair, and the old refresh token stops working.
			tok2 := refresh(t, rp, tok.RefreshToken)
			if tok2.AccessToken == tok.AccessToken || tok2.RefreshToken == tok.RefreshToken || tok2.RefreshToken == "" {
				t.Fatal("refresh did not rotate both tokens")
			}
			raw2, _ := tok2.Extra("id_token").(string)
			idt2, err := rp.verifier.Verify(ctx, raw2)
			if err != nil {
				t.Fatalf("refreshed ID token: %v", err)
			}
			var claims2 idClaims
			_ = idt2.Claims(&claims2)
			if idt2.Subject != idt.Subject || claims2.AuthTime != claims.AuthTime || idt2.Nonce != "" {
				t.Errorf("refreshed ID token sub/auth_time/nonce = %s %d %q", idt2.Subject, claims2.AuthTime, idt2.Nonce)
			}
			if _, err := refreshErr(rp, tok.RefreshToken); !isOAuthError(err, "invalid_grant") {
				t.Fatalf("the rotated refresh token was accepted again: %v", err)
			}
			// The replay revoked the whole family (RFC 9700 §4.14.2): the
			// newest refresh token and access token are dead too.
			if _, err := refreshErr(rp, tok2.RefreshToken); !isOAuthError(err, "invalid_grant") {
				t.Fatalf("after a replay, the newest refresh token still works: %v", err)
			}
			if _, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok2)); err == nil {
				t.Fatal("after a replay, the newest access token still works at userinfo")
			}

			// Revocation (RFC 7009): a fresh grant's access token stops at userinfo.
			tok3, _, _ := rp.signIn(t, ada)
			revoke(t, srv.URL, rp, tok3.AccessToken, "access_token")
			if _, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok3)); err == nil {
				t.Fatal("userinfo accepted a revoked access token")
			}
			// Revoking the refresh token ends its grant.
			revoke(t, srv.URL, rp, tok3.RefreshToken, "refresh_token")
			if _, err := refreshErr(rp, tok3.RefreshToken); !isOAuthError(err, "invalid_grant") {
				t.Fatalf("a revoked refresh token was accepted: %v", err)
			}

			// RP-initiated logout ends the OP session and returns to the app.
			end := ada.Get(srv.URL + "/end_session?" + url.Values{
				"id_token_hint":            {rawID},
				"post_logout_redirect_uri": {"http://localhost:9999/signed-out"},
				"state":                    {"bye"},
			}.Encode())
			if end.Status != http.StatusFound || end.Location.String() != "http://localhost:9999/signed-out?state=bye" {
				t.Fatalf("end_session = %d %v", end.Status, end.Location)
			}
			// The whole flow is visible in /metrics by route pattern. A
			// request is counted once its handler returns, which may be
			// just after the client has its answer: poll briefly.
			wants := []string{
				`latchkey_http_requests_total{route="/authorize",method="GET",code="302"}`,
				`latchkey_http_requests_total{route="/login/passkey/finish",method="POST",code="200"}`,
				`latchkey_http_requests_total{route="/oauth/token",method="POST",code="200"}`,
			}
			var missing []string
			for try := 0; try < 20; try++ {
				m := ada.Get(srv.URL + "/metrics")
				missing = missing[:0]
				for _, want := range wants {
					if !strings.Contains(string(m.Body), want) {
						missing = append(missing, want)
					}
				}
				if len(missing) == 0 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if len(missing) > 0 {
				t.Errorf("/metrics lacks %v", missing)
			}
			// Without a session, prompt=none cannot sign in silently.
			loc := ada.Authorize(rp.oauth.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "none")))
			if loc.Query().Get("error") != "login_required" {
				t.Fatalf("prompt=none after logout answered %s", loc)
			}
		})
	}
}

func refresh(t *testing.T, rp relyingParty, rt string) *oauth2.Token {
	t.Helper()
	tok, err := refreshErr(rp, rt)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	return tok
}

func refreshErr(rp relyingParty, rt string) (*oauth2.Token, error) {
	// An expired token makes the source refresh at once.
	return rp.oauth.TokenSource(context.Background(), &oauth2.Token{RefreshToken: rt, Expiry: time.Unix(1, 0)}).Token()
}

func isOAuthError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}

func revoke(t *testing.T, issuer string, rp relyingParty, token, hint string) {
	t.Helper()
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	req, _ := http.NewRequest(http.MethodPost, issuer+"/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(rp.oauth.ClientID), url.QueryEscape(rp.oauth.ClientSecret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("revoke %s = %d", hint, res.StatusCode)
	}
}
