package op

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Grant types Latchkey issues tokens for. zitadel also always accepts the
// JWT-bearer grant; it is refused here, before the library sees it.
var grantTypes = []string{"authorization_code", "refresh_token"}

// clientEndpoint wraps the endpoints a client calls with its credentials —
// token (RFC 6749 §3.2), revocation (RFC 7009), introspection (RFC 7662):
//   - POST only, form-encoded, each parameter once (§3.2, §3.1);
//   - no caching of anything they answer (§5.1: Cache-Control: no-store,
//     Pragma: no-cache);
//   - a 401 invalid_client for Basic credentials carries WWW-Authenticate
//     (§5.2); zitadel sends neither header;
//   - the client id goes into the context, so the token's signing key can
//     follow the client's ID token algorithm.
func (p *Provider) clientEndpoint(grantCheck bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		if r.Method != http.MethodPost {
			h.Set("Allow", http.MethodPost)
			writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "Use POST.")
			return
		}
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The body must be application/x-www-form-urlencoded.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be read.")
			return
		}
		if dup := duplicated(r.PostForm); dup != "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The parameter "+dup+" was sent more than once.")
			return
		}
		if grantCheck {
			gt := r.PostForm.Get("grant_type")
			if gt == "" {
				writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The grant_type is missing.")
				return
			}
			if gt != grantTypes[0] && gt != grantTypes[1] {
				writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Only authorization_code and refresh_token are supported.")
				return
			}
			if gt == grantTypes[0] {
				// Every code was issued against an S256 challenge, so a
				// missing verifier can never match it (RFC 7636 §4.6).
				v := r.PostForm.Get("code_verifier")
				if v == "" {
					writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The code_verifier is missing (PKCE is required).")
					return
				}
				if !validVerifier(v) {
					writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1).")
					return
				}
			}
		}
		id, basic := requestClientID(r)
		if p.publicWithSecret(r, id, basic) {
			// A public client authenticates with "none"; a secret means
			// another method than the registered one (RFC 6749 §2.3).
			if basic {
				h.Set("WWW-Authenticate", `Basic realm="latchkey", charset="UTF-8"`)
			}
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "This client is public: it must not send a secret.")
			return
		}
		ctx := context.WithValue(r.Context(), clientIDKey{}, id)
		next.ServeHTTP(&challengeWriter{ResponseWriter: w, basic: basic}, r.WithContext(ctx))
	})
}

// publicWithSecret reports whether a public client sent a secret. zitadel
// skips secret checks for public clients, so it would accept one.
func (p *Provider) publicWithSecret(r *http.Request, clientID string, basic bool) bool {
	if clientID == "" {
		return false
	}
	c, err := p.storage.clients.get(r.Context(), clientID)
	if err != nil || !c.Public {
		return false
	}
	_, secret, _ := r.BasicAuth()
	return (basic && secret != "") || r.PostForm.Get("client_secret") != ""
}

// requestClientID is the client id a request names, from Basic auth (which
// form-encodes it, RFC 6749 §2.3.1) or the body.
func requestClientID(r *http.Request) (string, bool) {
	if user, _, ok := r.BasicAuth(); ok {
		id, err := url.QueryUnescape(user)
		if err != nil {
			return "", true
		}
		return id, true
	}
	return r.PostForm.Get("client_id"), false
}

type clientIDKey struct{}

func clientIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(clientIDKey{}).(string)
	return id
}

func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	return strings.Trim(v, base64URLAlphabet+".~") == ""
}

// challengeWriter adds WWW-Authenticate to a 401 answered to Basic
// credentials.
type challengeWriter struct {
	http.ResponseWriter
	basic bool
}

func (c *challengeWriter) WriteHeader(status int) {
	if status == http.StatusUnauthorized && c.basic {
		c.Header().Set("WWW-Authenticate", `Basic realm="latchkey", charset="UTF-8"`)
	}
	c.ResponseWriter.WriteHeader(status)
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	body, _ := json.Marshal(map[string]string{"error": code, "error_description": description})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
