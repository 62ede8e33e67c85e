package testpasskey

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/descope/virtualwebauthn"
)

// Enroll creates the person's passkey through an enrollment link and
// returns the passkey JSON the server answered; the recovery codes a first
// passkey comes with are kept in RecoveryCodes, and where a recovery or
// sign-up link continues the sign-in in ContinueTo. For the setup link, pass
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
		Passkey       map[string]any `json:"passkey"`
		RecoveryCodes []string       `json:"recovery_codes"`
		RedirectTo    string         `json:"redirect_to"`
	}
	finish.JSON(p.t, &out)
	p.RecoveryCodes, p.ContinueTo = out.RecoveryCodes, out.RedirectTo
	return out.Passkey
}

// Assert answers request options with the person's passkey, as
// navigator.credentials.get would, and returns the credential JSON.
func (p *Person) Assert(options []byte) json.RawMessage {
	p.t.Helper()
	cred, err := p.TryAssert(options)
	if err != nil {
		p.t.Fatal(err)
	}
	return cred
}

// TryAssert is Assert returning its error.
func (p *Person) TryAssert(options []byte) (json.RawMessage, error) {
	opts, err := virtualwebauthn.ParseAssertionOptions(string(options))
	if err != nil {
		return nil, fmt.Errorf("parse request options: %w", err)
	}
	p.Counter++
	p.Cred.Counter = p.Counter
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(p.RP, p.Auth, p.Cred, *opts)), nil
}

// SignIn runs the passkey ceremony on the sign-in page of one
// authorization request and returns the redirect_to the server answered.
func (p *Person) SignIn(authRequestID, email string) string {
	p.t.Helper()
	to, err := p.TrySignIn(authRequestID, email)
	if err != nil {
		p.t.Fatal(err)
	}
	return to
}

// TrySignIn is SignIn returning its error, safe off the test goroutine.
func (p *Person) TrySignIn(authRequestID, email string) (string, error) {
	begin, err := p.tryJSON("/login/passkey/begin", map[string]string{"auth_request_id": authRequestID, "email": email})
	if err != nil {
		return "", err
	}
	if begin.Status != http.StatusOK {
		return "", fmt.Errorf("login begin = %d %s", begin.Status, begin.Body)
	}
	cred, err := p.TryAssert(begin.Body)
	if err != nil {
		return "", err
	}
	finish, err := p.tryJSON("/login/passkey/finish", map[string]any{"auth_request_id": authRequestID, "credential": cred})
	if err != nil {
		return "", err
	}
	if finish.Status != http.StatusOK {
		return "", fmt.Errorf("login finish = %d %s", finish.Status, finish.Body)
	}
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	if err := json.Unmarshal(finish.Body, &out); err != nil {
		return "", err
	}
	return out.RedirectTo, nil
}

// Authorize walks an authorization URL the way a browser would: to the
// sign-in page, through the passkey ceremony when the page asks for one,
// back through the OP, and returns the final redirect to the client.
func (p *Person) Authorize(authURL string) *url.URL {
	p.t.Helper()
	loc, err := p.TryAuthorize(authURL)
	if err != nil {
		p.t.Fatal(err)
	}
	return loc
}

// TryAuthorize is Authorize returning its error, safe off the test goroutine.
func (p *Person) TryAuthorize(authURL string) (*url.URL, error) {
	res, err := p.try(http.MethodGet, authURL, "", nil)
	for hops := 0; err == nil && hops < 10; hops++ {
		if res.Status != http.StatusFound && res.Status != http.StatusSeeOther {
			return nil, fmt.Errorf("expected a redirect, got %d %s", res.Status, res.Body)
		}
		loc := res.Location
		if loc.Scheme+"://"+loc.Host != p.RP.Origin {
			return loc, nil // left the OP: the client's redirect URI
		}
		if loc.Path == "/login" {
			var page Response
			page, err = p.try(http.MethodGet, loc.String(), "", nil)
			if err != nil {
				break
			}
			if page.Status == http.StatusOK {
				var to string
				if to, err = p.TrySignIn(loc.Query().Get("authRequestID"), ""); err != nil {
					break
				}
				res, err = p.try(http.MethodGet, to, "", nil)
				continue
			}
			res = page
			continue
		}
		res, err = p.try(http.MethodGet, loc.String(), "", nil)
	}
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("too many redirects")
}

// Recover is "Lost your passkey?" on the sign-in page of one authorization
// request: email and recovery code, then a new passkey on the enrollment
// link that buys. It returns where the sign-in continues (redirect_to).
func (p *Person) Recover(authRequestID, email, code string) string {
	p.t.Helper()
	res := p.PostJSON("/login/recovery", map[string]string{"auth_request_id": authRequestID, "email": email, "recovery_code": code})
	if res.Status != http.StatusOK {
		p.t.Fatalf("recovery = %d %s", res.Status, res.Body)
	}
	var out struct {
		EnrollURL string `json:"enroll_url"`
	}
	res.JSON(p.t, &out)
	p.Enroll(out.EnrollURL, nil)
	if p.ContinueTo == "" {
		p.t.Fatal("the recovery enrollment did not continue the sign-in")
	}
	return p.ContinueTo
}
