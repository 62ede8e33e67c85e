package op

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// Response modes Latchkey answers in (OAuth 2.0 Multiple Response Types,
// Form Post Response Mode). "fragment" is for the implicit flow, which
// Latchkey does not offer.
const (
	responseModeQuery    = "query"
	responseModeFormPost = "form_post"
)

// authResponse is an authorization response on its way to a client's
// registered redirect URI: a code or an error, always with the issuer
// (RFC 9207 §2) and the request's state.
type authResponse struct {
	redirectURI  string
	responseMode string
	params       url.Values
}

func newAuthResponse(issuer, redirectURI, responseMode, state string) *authResponse {
	p := url.Values{"iss": {issuer}}
	if state != "" {
		p.Set("state", state)
	}
	return &authResponse{redirectURI: redirectURI, responseMode: responseMode, params: p}
}

// withError sets an error response (RFC 6749 §4.1.2.1). The description
// is reduced to the characters the RFC allows (%x20-21 / %x23-5B /
// %x5D-7E): no CR, LF, quote or backslash can reach the client.
func (a *authResponse) withError(code, description string) *authResponse {
	a.params.Set("error", code)
	if d := sanitizeDescription(description); d != "" {
		a.params.Set("error_description", d)
	}
	return a
}

func sanitizeDescription(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\'')
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(b.String())
}

// write sends the response: a 302 to the redirect URI with the parameters
// added to its query, or for form_post a page that posts them there.
func (a *authResponse) write(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if a.responseMode == responseModeFormPost {
		writeFormPost(w, a.redirectURI, a.params)
		return
	}
	u, err := url.Parse(a.redirectURI)
	if err != nil {
		// Registered redirect URIs are validated URLs; this cannot happen.
		http.Error(w, "Bad redirect URI", http.StatusInternalServerError)
		return
	}
	q := u.Query()
	for k, vs := range a.params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// formPostScript submits the form. It is the page's only script, allowed by
// its hash so the page keeps a CSP without 'unsafe-inline'.
const formPostScript = `document.forms[0].submit();`

var formPostScriptHash = func() string {
	sum := sha256.Sum256([]byte(formPostScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

var formPostTemplate = template.Must(template.New("form_post").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Returning to the app…</title></head>
<body>
<form method="post" action="{{.Action}}">
{{range $k, $vs := .Params}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">
{{end}}{{end}}<noscript><button type="submit">Continue to the app</button></noscript>
</form>
<script>` + formPostScript + `</script>
</body></html>
`))

func writeFormPost(w http.ResponseWriter, action string, params url.Values) {
	var buf bytes.Buffer
	if err := formPostTemplate.Execute(&buf, struct {
		Action string
		Params url.Values
	}{action, params}); err != nil {
		http.Error(w, "Cannot render the response", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src "+formPostScriptHash+"; form-action "+formActionSource(action)+"; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// formActionSource is the CSP source for the client's redirect URI: its
// origin.
func formActionSource(action string) string {
	u, err := url.Parse(action)
	if err != nil || u.Host == "" {
		return "'none'"
	}
	return u.Scheme + "://" + u.Host
}
