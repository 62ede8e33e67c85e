package conformance

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey-id/latchkey/internal/testpasskey"
)

// authorizationErrors are the error codes an authorization endpoint may
// answer: RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6.
var authorizationErrors = []string{
	"invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type",
	"invalid_scope", "server_error", "temporarily_unavailable",
	"interaction_required", "login_required", "account_selection_required", "consent_required",
	"invalid_request_uri", "invalid_request_object", "request_not_supported",
	"request_uri_not_supported", "registration_not_supported",
}

// wantErrorRedirect checks an "error redirect" as CONFORMANCE.md defines
// it: a redirect to the request's redirect_uri carrying the error code
// (one of RFC 6749 §4.1.2.1 / OIDC Core §3.1.2.6; want "" accepts any),
// the unchanged state, iss = issuer (RFC 9207 §2), an error_description
// only in the allowed characters, and never a code or a token. It returns
// the response parameters.
func (e *env) wantErrorRedirect(out outcome, a *authRequest, want string) url.Values {
	e.t.Helper()
	if out.Redirect == nil {
		e.t.Fatalf("want an error redirect with %q, got a page: %d %s %.300s",
			want, out.Last.Status, out.Last.Header.Get("Content-Type"), out.Last.Body)
	}
	if got, wantURI := withoutQuery(out.Redirect), withoutQuery(mustParse(e.t, a.get("redirect_uri"))); got != wantURI {
		e.t.Fatalf("error redirect to %s, want the request's redirect_uri %s", out.Redirect, a.get("redirect_uri"))
	}
	params := out.Redirect.Query()
	if params.Get("error") == "" && out.Redirect.Fragment != "" {
		// An implicit-style request may get its error in the fragment.
		if f, err := url.ParseQuery(out.Redirect.Fragment); err == nil {
			params = f
		}
	}
	code := params.Get("error")
	switch {
	case code == "":
		e.t.Fatalf("redirect without error (want %q): %s", want, out.Redirect)
	case want != "" && code != want:
		e.t.Errorf("error = %q (%s), want %q", code, params.Get("error_description"), want)
	case !slices.Contains(authorizationErrors, code):
		e.t.Errorf("error %q is not an authorization error code of RFC 6749 §4.1.2.1 / OIDC Core §3.1.2.6", code)
	}
	if state := a.get("state"); state != "" {
		if got := params.Get("state"); got != state {
			e.t.Errorf("state = %q, want it unchanged: %q", got, state)
		}
	} else if params.Has("state") {
		e.t.Errorf("a request without state got state=%q back", params.Get("state"))
	}
	if got := params.Get("iss"); got != e.srv.URL {
		e.t.Errorf("iss = %q, want the issuer %q (RFC 9207 §2)", got, e.srv.URL)
	}
	if d := params.Get("error_description"); !descriptionCharsetOK(d) {
		e.t.Errorf("error_description %q has characters outside %%x20-21 / %%x23-5B / %%x5D-7E (RFC 6749 §4.1.2.1)", d)
	}
	for _, k := range []string{"code", "access_token", "id_token"} {
		if params.Has(k) || out.Redirect.Query().Has(k) {
			e.t.Errorf("an error redirect carries %s: %s", k, out.Redirect)
		}
	}
	if strings.Contains(out.Redirect.Fragment, "access_token") || strings.Contains(out.Redirect.Fragment, "id_token") {
		e.t.Errorf("an error redirect carries a token in its fragment: %s", out.Redirect)
	}
	return params
}

// descriptionCharsetOK: error_description = *( %x20-21 / %x23-5B / %x5D-7E ).
func descriptionCharsetOK(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7E || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// internals are texts that would show an error page leaks internal detail:
// zitadel's error chain, storage and SQL errors, Go source positions.
var internals = []string{"Parent=", "storage:", "sql", ".go:", "goroutine"}

// wantErrorPage checks the answer of the authorization endpoint when it
// must not redirect (RFC 6749 §3.1.2.4, §4.1.2.1): a 400 HTML page for the
// person, no Location to anywhere, and no internal detail.
func wantErrorPage(t testing.TB, res testpasskey.Response, why string) {
	t.Helper()
	if loc := res.Header.Get("Location"); loc != "" {
		t.Errorf("%s: answered %d with Location %s, want an error page and no redirect", why, res.Status, loc)
		return
	}
	if res.Status != http.StatusBadRequest {
		t.Errorf("%s: status = %d, want 400 (body %.200s)", why, res.Status, res.Body)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "text/html" {
		t.Errorf("%s: Content-Type = %q, want text/html (body %.200s)", why, res.Header.Get("Content-Type"), res.Body)
	}
	for _, s := range internals {
		if strings.Contains(string(res.Body), s) {
			t.Errorf("%s: the error page shows internal detail %q: %.400s", why, s, res.Body)
		}
	}
}
