package conformance

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
	"github.com/latchkey-id/latchkey/internal/testserver"
)

// Fixed values of the suite. Nothing listens on the app's URIs: the
// person's browser stops as soon as the OP sends it outside itself.
const (
	appOrigin       = "https://app.example.com"
	appRedirect     = appOrigin + "/callback"
	appLogout       = appOrigin + "/signed-out"
	otherOrigin     = "https://other.example.org"
	otherRedirect   = otherOrigin + "/callback"
	defaultScope    = "openid profile email offline_access"
	adaEmail        = "ada@example.com"
	adaName         = "Ada Lovelace"
	discoveryPath   = "/.well-known/openid-configuration"
	backchannelType = "http://schemas.openid.net/event/backchannel-logout"
)

// env is one running Latchkey with one enrolled person, Ada, whose browser
// (cookie jar and software authenticator) is ada.
type env struct {
	t     testing.TB
	srv   *testserver.Server
	ctx   context.Context
	ada   *testpasskey.Person
	adaID string

	provider *oidc.Provider
}

// start runs a Latchkey on backend and enrolls Ada.
func start(t testing.TB, backend string, opts ...testserver.Option) *env {
	t.Helper()
	e := &env{t: t, srv: testserver.Start(t, backend, opts...), ctx: context.Background()}
	e.ada, e.adaID = e.enroll(adaEmail, adaName)
	return e
}

// each runs f as a parallel subtest per backend (testserver.Backends).
func each(t *testing.T, f func(t *testing.T, backend string)) {
	t.Helper()
	t.Parallel()
	for _, b := range testserver.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// run runs f as a subtest (sequentially, within the caller's test) during
// which the env's helpers report to the subtest.
func (e *env) run(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		saved := e.t
		e.t = t
		defer func() { e.t = saved }()
		f(t)
	})
}

// enroll invites a person through the admin service and registers their
// passkey through the enrollment link, as they would in a browser. It
// returns their browser and their user id (the OIDC subject).
func (e *env) enroll(email, name string) (*testpasskey.Person, string) {
	e.t.Helper()
	u, err := e.srv.Admin.CreateUser(e.ctx, admin.NewUser{Email: email, Name: name})
	if err != nil {
		e.t.Fatalf("create user %s: %v", email, err)
	}
	p := testpasskey.New(e.t, e.srv.URL)
	p.Enroll(u.EnrollmentURL, nil)
	return p, u.User.ID
}

// oidcProvider is go-oidc's view of the OP (discovery, issuer check).
func (e *env) oidcProvider() *oidc.Provider {
	e.t.Helper()
	if e.provider == nil {
		p, err := oidc.NewProvider(e.ctx, e.srv.URL)
		if err != nil {
			e.t.Fatalf("go-oidc discovery: %v", err)
		}
		e.provider = p
	}
	return e.provider
}

// client is a registered relying party.
type client struct {
	e      *env
	ID     string
	Secret string
	// Redirect is the first registered redirect URI.
	Redirect string
	Public   bool
	oauth    oauth2.Config
}

// newClient registers a client through the admin service. Empty fields get
// defaults: a name, appRedirect and appLogout.
func (e *env) newClient(nc admin.NewClient) *client {
	e.t.Helper()
	if nc.Name == "" {
		nc.Name = "Conformance RP"
	}
	if len(nc.RedirectURIs) == 0 {
		nc.RedirectURIs = []string{appRedirect}
	}
	if nc.PostLogoutRedirectURIs == nil {
		nc.PostLogoutRedirectURIs = []string{appLogout}
	}
	created, err := e.srv.Admin.CreateClient(e.ctx, nc)
	if err != nil {
		e.t.Fatalf("create client: %v", err)
	}
	c := &client{e: e, ID: created.Client.ID, Secret: created.Secret, Redirect: nc.RedirectURIs[0], Public: nc.Public}
	style := oauth2.AuthStyleInHeader
	if nc.Public {
		style = oauth2.AuthStyleInParams
	}
	c.oauth = oauth2.Config{
		ClientID:     c.ID,
		ClientSecret: c.Secret,
		RedirectURL:  c.Redirect,
		Scopes:       strings.Fields(defaultScope),
		Endpoint: oauth2.Endpoint{
			AuthURL:   e.srv.URL + "/authorize",
			TokenURL:  e.srv.URL + "/oauth/token",
			AuthStyle: style,
		},
	}
	return c
}

// confidential registers a confidential client with default settings.
func (e *env) confidential() *client { return e.newClient(admin.NewClient{}) }

// verifier checks ID tokens the way a go-oidc relying party does:
// signature against the JWKS, iss, aud, exp (by the server's clock).
func (c *client) verifier() *oidc.IDTokenVerifier {
	return c.e.oidcProvider().Verifier(&oidc.Config{
		ClientID:             c.ID,
		SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256},
		Now:                  c.e.srv.Clock.Now,
	})
}

// verify verifies an ID token with go-oidc and fails the test if it is bad.
func (c *client) verify(raw string) *oidc.IDToken {
	c.e.t.Helper()
	idt, err := c.verifier().Verify(c.e.ctx, raw)
	if err != nil {
		c.e.t.Fatalf("go-oidc refused the ID token: %v", err)
	}
	return idt
}

// signIn runs a whole authorization code flow for the client and returns
// the tokens.
func (c *client) signIn(p *testpasskey.Person, mods ...func(*authRequest)) tokens {
	c.e.t.Helper()
	a := c.authorization()
	for _, m := range mods {
		m(a)
	}
	return c.redeem(c.e.code(p, a), a.Verifier)
}

// loginRequest starts an authorization request and returns the id of the
// auth request its sign-in page is for, without signing in.
func (e *env) loginRequest(p *testpasskey.Person, c *client) string {
	e.t.Helper()
	out := e.authorize(p, c.authorization().set("prompt", "login"), walkOptions{noCeremony: true})
	if !out.LoginPage {
		e.t.Fatalf("no sign-in page: %d %.300s", out.Last.Status, out.Last.Body)
	}
	return out.LoginID
}

func withoutQuery(u *url.URL) string { return u.Scheme + "://" + u.Host + u.Path }

func mustParse(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// random returns 128 random bits, base64url.
func random() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
