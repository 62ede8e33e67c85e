package op

import (
	"bytes"
	"html/template"
	"net/http"
	"regexp"
	"strings"
)

// errorPageTemplate is the page a person sees when an authorization
// request cannot be answered to the app (unknown client, unregistered
// redirect URI, …): RFC 6749 §4.1.2.1 forbids redirecting then.
var errorPageTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in problem · Latchkey</title>
<link rel="stylesheet" href="/static/latchkey.css">
</head>
<body>
<main class="card">
<h1>Something is wrong with this sign-in</h1>
<p class="error" role="alert">{{.}}</p>
<p>Go back to the app and try again. If it keeps happening, tell the app's administrator.</p>
</main>
</body>
</html>
`))

func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	var buf bytes.Buffer
	if err := errorPageTemplate.Execute(&buf, message); err != nil {
		http.Error(w, "Sign-in problem", status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// withErrorPages turns zitadel's plain-text error answers on the browser
// endpoints (/authorize, end_session) into Latchkey's error page. zitadel
// writes an error's full text, parent causes included; only its
// description, which the library and this package phrase for people, is
// kept.
func (p *Provider) withErrorPages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &errorCapture{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.captured {
			p.errorPage(w, r, rec.status, describe(rec.body.String()))
		}
	})
}

var descriptionPattern = regexp.MustCompile(`Description=(.*?)(?: Parent=|$)`)

// describe extracts the description from zitadel's "ErrorType=… Description=…
// Parent=…" text, or says something generic.
func describe(body string) string {
	if m := descriptionPattern.FindStringSubmatch(strings.TrimSpace(body)); m != nil && m[1] != "" {
		return m[1]
	}
	return "The request from the app is not valid."
}

// errorCapture holds back a plain-text error response so it can be
// replaced; anything else passes through untouched.
type errorCapture struct {
	http.ResponseWriter
	status   int
	captured bool
	body     bytes.Buffer
}

func (c *errorCapture) WriteHeader(status int) {
	if status >= 400 && strings.HasPrefix(c.Header().Get("Content-Type"), "text/plain") {
		c.status, c.captured = status, true
		return
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *errorCapture) Write(b []byte) (int, error) {
	if c.captured {
		return c.body.Write(b)
	}
	return c.ResponseWriter.Write(b)
}
