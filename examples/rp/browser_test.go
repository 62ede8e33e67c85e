package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/testbrowser"
	"github.com/latchkey-id/latchkey/internal/testserver"
)

// startApp runs the demo app on http://localhost:PORT, registered with srv.
func startApp(t *testing.T, srv *testserver.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	base := "http://localhost:" + port
	c, err := srv.Admin.CreateClient(context.Background(), admin.NewClient{
		Name: "Demo app", RedirectURIs: []string{base + "/callback"}, PostLogoutRedirectURIs: []string{base + "/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	app, err := NewApp(context.Background(), Config{Issuer: srv.URL, ClientID: c.Client.ID, ClientSecret: c.Secret, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(app)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	return base
}

// TestBrowserSetupAndSignInToTheDemoApp clicks through the real pages in
// Chromium: the first administrator's setup link creates a passkey on the
// virtual authenticator, then the demo app signs them in with it and ends
// up holding verified tokens.
func TestBrowserSetupAndSignInToTheDemoApp(t *testing.T) {
	for _, backend := range testserver.Backends {
		t.Run(backend, func(t *testing.T) {
			srv := testserver.Start(t, backend)
			app := startApp(t, srv)
			link, ok, err := srv.Admin.SetupLink(context.Background())
			if err != nil || !ok {
				t.Fatalf("setup link: %v %v", ok, err)
			}

			b := testbrowser.New(t, testbrowser.Options{})
			b.Run(t, "create the first passkey",
				chromedp.Navigate(link),
				chromedp.WaitVisible(chromedp.ID("name")),
				chromedp.SendKeys(chromedp.ID("name"), "Grace Hopper"),
				chromedp.SendKeys(chromedp.ID("email"), "grace@example.com"),
				testbrowser.ClickReady(chromedp.ID("create")),
			)
			// The first passkey comes with recovery codes to save.
			b.SaveRecoveryCodes(t)
			b.Run(t, "see the passkey ready", chromedp.WaitVisible(chromedp.ID("enroll-done")))
			if n := len(b.Credentials(t)); n != 1 {
				t.Fatalf("the authenticator holds %d passkeys, want 1", n)
			}

			b.Run(t, "sign in to the demo app",
				chromedp.Navigate(app),
				testbrowser.ClickReady(chromedp.ID("sign-in")),
				chromedp.WaitVisible(chromedp.ID("signin")),
				testbrowser.ClickReady(chromedp.ID("signin")),
				chromedp.WaitVisible(chromedp.ID("id-claims")),
			)
			if status := b.Text(t, "#status"); !strings.Contains(status, "Signed in as Grace Hopper") {
				t.Fatalf("the demo app says %q", status)
			}
			var claims struct {
				Sub      string   `json:"sub"`
				Iss      string   `json:"iss"`
				AuthTime int64    `json:"auth_time"`
				AMR      []string `json:"amr"`
			}
			if err := json.Unmarshal([]byte(b.Text(t, "#id-claims")), &claims); err != nil {
				t.Fatal(err)
			}
			users, _ := srv.Admin.ListUsers(context.Background())
			if len(users) != 1 || claims.Sub != users[0].ID || claims.Iss != srv.URL || claims.AuthTime == 0 || !slices.Contains(claims.AMR, "hwk") {
				t.Fatalf("the demo app holds claims %+v", claims)
			}
			if !users[0].Admin {
				t.Error("the setup link did not make the first user an administrator")
			}
		})
	}
}
