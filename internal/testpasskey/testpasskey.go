// Package testpasskey is a person with a software authenticator
// (descope/virtualwebauthn) and a browser-like HTTP client (cookie jar,
// redirects walked by hand), who uses Latchkey's real pages and JSON
// endpoints the way the built-in JavaScript does.
package testpasskey

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"
)

// Person signs in with one passkey.
type Person struct {
	t      testing.TB
	Issuer string
	RP     virtualwebauthn.RelyingParty
	Auth   virtualwebauthn.Authenticator
	Cred   virtualwebauthn.Credential
	// HTTP keeps cookies and does not follow redirects.
	HTTP *http.Client
	// Counter is the sign count the next assertion reports; it grows by
	// one per sign-in, as a device-bound authenticator's does.
	Counter uint32
	// RecoveryCodes are the codes the last enrollment answered, if any.
	RecoveryCodes []string
	// ContinueTo is the redirect_to of the last enrollment: set when its
	// link (recovery, sign-up) continues a sign-in.
	ContinueTo string
}

// New returns a person whose browser talks to the issuer.
func New(t testing.TB, issuer string) *Person {
	t.Helper()
	u, err := url.Parse(issuer)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	return &Person{
		t:      t,
		Issuer: issuer,
		RP:     virtualwebauthn.RelyingParty{ID: u.Hostname(), Name: "Latchkey", Origin: u.Scheme + "://" + u.Host},
		Auth:   virtualwebauthn.NewAuthenticator(),
		Cred:   virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2),
		HTTP: &http.Client{
			Jar:           jar,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Response is an answer read whole.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Location *url.URL
}

// JSON decodes the body.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Get fetches a URL (absolute, or a path on the issuer) without following redirects.
func (p *Person) Get(target string) Response {
	p.t.Helper()
	return p.do(http.MethodGet, target, "", nil)
}

// PostJSON posts a JSON body.
func (p *Person) PostJSON(target string, body any) Response {
	p.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.do(http.MethodPost, target, "application/json", b)
}

// PostRaw posts bytes with a content type.
func (p *Person) PostRaw(target, contentType string, body []byte) Response {
	p.t.Helper()
	return p.do(http.MethodPost, target, contentType, body)
}

func (p *Person) do(method, target, contentType string, body []byte) Response {
	p.t.Helper()
	res, err := p.try(method, target, contentType, body)
	if err != nil {
		p.t.Fatal(err)
	}
	return res
}

// try is do without testing.T, safe off the test goroutine.
func (p *Person) try(method, target, contentType string, body []byte) (Response, error) {
	if strings.HasPrefix(target, "/") {
		target = p.Issuer + target
	}
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := p.HTTP.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: %w", method, target, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, err
	}
	out := Response{Status: res.StatusCode, Header: res.Header, Body: b}
	if loc, err := res.Location(); err == nil {
		out.Location = loc
	}
	return out, nil
}

func (p *Person) tryJSON(target string, body any) (Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return Response{}, err
	}
	return p.try(http.MethodPost, target, "application/json", b)
}
