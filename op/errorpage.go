package op

import (
	"bytes"
	"html/template"
	"net/http"
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
