package testpasskey

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/descope/virtualwebauthn"
)

// Enroll creates the person's passkey through an enrollment link and
// returns the passkey JSON the server answered. For the setup link, pass
// the first admin's email and name in body; otherwise nil.
func (p *Person) Enroll(link string, body map[string]string) map[string]any {
	p.t.Helper()
	if page := p.Get(link); page.Status != http.StatusOK {
		p.t.Fatalf("GET %s = %d %s", link, page.Status, page.Body)
	}
	if body == nil {
		body = map[string]string{}
	}
	begin := p.PostJSON(link+"/begin", body)
	if begin.Status != http.StatusOK {
		p.t.Fatalf("enroll begin = %d %s", begin.Status, begin.Body)
	}
	opts, err := virtualwebauthn.ParseAttestationOptions(string(begin.Body))
	if err != nil {
		p.t.Fatalf("parse creation options: %v", err)
	}
	// The authenticator answers discoverable sign-ins with this user handle.
	p.Auth.Options.UserHandle = []byte(opts.UserID)
	att := virtualwebauthn.CreateAttestationResponse(p.RP, p.Auth, p.Cred, *opts)
	p.Auth.AddCredential(p.Cred)
	finish := p.PostJSON(link+"/finish", map[string]any{"credential": json.RawMessage(att)})
	if finish.Status != http.StatusOK {
		p.t.Fatalf("enroll finish = %d %s", finish.Status, finish.Body)
	}
	var out struct {
		Passkey map[string]any `json:"passkey"`
	}
	finish.JSON(p.t, &out)
	return out.Passkey
}

// Assert answers request options with the person's passkey, as
// navigator.credentials.get would, and returns the credential JSON.
func (p *Person) Assert(options []byte) json.RawMessage {
	p.t.Helper()
	opts, err := virtualwebauthn.ParseAssertionOptions(string(options))
	if err != nil {
		p.t.Fatalf("parse request options: %v", err)
	}
	p.Counter++
	p.Cred.Counter = p.Counter
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(p.RP, p.Auth, p.Cred, *opts))
}

// SignIn runs the passkey ceremony on the sign-in page of one
// authorization request and returns the redirect_to the server answered.
func (p *Person) SignIn(authRequestID, email string) string {
	p.t.Helper()
	begin := p.PostJSON("/login/passkey/begin", map[string]string{"auth_request_id": authRequestID, "email": email})
	if begin.Status != http.StatusOK {
		p.t.Fatalf("login begin = %d %s", begin.Status, begin.Body)
	}
	finish := p.PostJSON("/login/passkey/finish", map[string]any{"auth_request_id": authRequestID, "credential": p.Assert(begin.Body)})
	if finish.Status != http.StatusOK {
		p.t.Fatalf("login finish = %d %s", finish.Status, finish.Body)
	}
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	finish.JSON(p.t, &out)
	return out.RedirectTo
}

// Authorize walks an authorization URL the way a browser would: to the
// sign-in page, through the passkey ceremony when the page asks for one,
// back through the OP, and returns the final redirect to the client.
func (p *Person) Authorize(authURL string) *url.URL {
	p.t.Helper()
	res := p.Get(authURL)
	for hops := 0; hops < 10; hops++ {
		if res.Status != http.StatusFound && res.Status != http.StatusSeeOther {
			p.t.Fatalf("expected a redirect, got %d %s", res.Status, res.Body)
		}
		loc := res.Location
		if loc.Scheme+"://"+loc.Host != p.RP.Origin {
			return loc // left the OP: the client's redirect URI
		}
		if loc.Path == "/login" {
			page := p.Get(loc.String())
			if page.Status == http.StatusOK {
				res = p.Get(p.SignIn(loc.Query().Get("authRequestID"), ""))
				continue
			}
			res = page
			continue
		}
		res = p.Get(loc.String())
	}
	p.t.Fatal("too many redirects")
	return nil
}
