package httpx

import "net/http"

// ContentSecurityPolicy is the policy of Latchkey's own pages: scripts,
// styles and requests only from our origin, no inline script or style, no
// plugins, no framing, forms only to us.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the headers every Latchkey page carries: the CSP
// above, no MIME sniffing, no Referer (page URLs carry authorization request
// ids and enrollment tokens), no framing (also for browsers that predate
// frame-ancestors) and a browsing context of its own.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// NoStore marks every answer as not to be cached: pages and JSON that hold
// per-person state or one-time values (challenges, tokens).
func NoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
