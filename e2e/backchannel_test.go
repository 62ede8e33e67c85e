package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
	"github.com/latchkey-id/latchkey/internal/testserver"
)

// TestSignOutOnTheAccountPageSendsBackChannelLogout: a person signs in to
// an app registered for back-channel logout, then signs out on Latchkey's
// own account page (not through the app). The app must still learn that
// the session ended, with a logout token naming it.
func TestSignOutOnTheAccountPageSendsBackChannelLogout(t *testing.T) {
	for _, backend := range testserver.Backends {
		t.Run(backend, func(t *testing.T) {
			srv := testserver.Start(t, backend)
			ctx := context.Background()
			tokens := make(chan string, 4)
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				tokens <- r.PostForm.Get("logout_token")
			}))
			defer app.Close()
			c, err := srv.Admin.CreateClient(ctx, admin.NewClient{
				Name: "App", RedirectURIs: []string{rpRedirect}, BackchannelLogoutURI: app.URL + "/logout",
			})
			if err != nil {
				t.Fatal(err)
			}
			u, err := srv.Admin.CreateUser(ctx, admin.NewUser{Email: "ada@example.com", Name: "Ada"})
			if err != nil {
				t.Fatal(err)
			}
			ada := testpasskey.New(t, srv.URL)
			ada.Enroll(u.EnrollmentURL, nil)
			conf := oauth2.Config{ClientID: c.Client.ID, ClientSecret: c.Secret, RedirectURL: rpRedirect,
				Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/authorize", TokenURL: srv.URL + "/oauth/token"}, Scopes: []string{"openid"}}
			v := oauth2.GenerateVerifier()
			loc := ada.Authorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)))
			tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			sid := claim(t, tok.Extra("id_token").(string), "sid")

			page := ada.Get("/account")
			m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`).FindSubmatch(page.Body)
			if page.Status != http.StatusOK || m == nil {
				t.Fatalf("account page %d without a CSRF token", page.Status)
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/account/sign-out", strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", string(m[1]))
			req.Header.Set("Origin", srv.URL)
			res, err := ada.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("sign-out = %d %s", res.StatusCode, body)
			}
			select {
			case lt := <-tokens:
				if claim(t, lt, "sid") != sid || claim(t, lt, "sub") != u.User.ID {
					t.Fatalf("the logout token names sid %v, sub %v; want %v, %v", claim(t, lt, "sid"), claim(t, lt, "sub"), sid, u.User.ID)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the app received no logout token after sign-out on the account page")
			}
		})
	}
}

// claim reads one claim of a JWT without verifying it (the conformance
// suite verifies logout tokens against the JWKS; here only the naming matters).
func claim(t *testing.T, jwt, name string) any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m[name]
}
