package op

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// userinfo serves the UserInfo endpoint (OIDC Core §5.3) for GET and POST.
// The access token comes as a Bearer header (RFC 6750 §2.1, the scheme
// matched case-insensitively) or in a POST form body (§2.2). A token in the
// query string is refused (§2.3: it ends up in logs and history). Failures
// answer 401 with a WWW-Authenticate challenge (§3); zitadel's own handler
// sends none and answers 403 for a revoked token.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		h.Set("Allow", "GET, POST")
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "Use GET or POST.")
		return
	}
	if r.URL.Query().Has("access_token") {
		bearerError(w, http.StatusBadRequest, "invalid_request", "Send the access token in the Authorization header, not in the URL.")
		return
	}
	token, status, problem := bearerToken(w, r)
	if status != 0 {
		bearerError(w, status, problem, "")
		return
	}
	ctx := r.Context()
	plain, err := p.op.Crypto().Decrypt(token)
	id, subject, ok := strings.Cut(plain, ":")
	if err != nil || !ok || id == "" || subject == "" {
		bearerError(w, http.StatusUnauthorized, "invalid_token", "The access token is invalid.")
		return
	}
	info := new(oidc.UserInfo)
	if err := p.storage.SetUserinfoFromToken(ctx, info, id, subject, ""); err != nil {
		if e, ok := err.(*oidc.Error); ok && e.ErrorType == oidc.ServerError {
			writeOAuthError(w, http.StatusInternalServerError, "server_error", e.Description)
			return
		}
		bearerError(w, http.StatusUnauthorized, "invalid_token", "The access token is invalid, expired or revoked.")
		return
	}
	body, err := json.Marshal(info)
	if err != nil {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "The claims could not be encoded.")
		return
	}
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// bearerToken finds the access token. status is 0 when one was found;
// otherwise 401 with no error code when the request carries no token at
// all (RFC 6750 §3.1), or 400 invalid_request when it is malformed or
// carries more than one.
func bearerToken(w http.ResponseWriter, r *http.Request) (token string, status int, problem string) {
	var found []string
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, value, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return "", http.StatusUnauthorized, ""
		}
		if value = strings.TrimSpace(value); value == "" {
			return "", http.StatusBadRequest, "invalid_request"
		}
		found = append(found, value)
	}
	if r.Method == http.MethodPost {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := r.ParseForm(); err != nil || len(r.PostForm["access_token"]) > 1 {
				return "", http.StatusBadRequest, "invalid_request"
			}
			if v := r.PostForm.Get("access_token"); v != "" {
				found = append(found, v)
			}
		}
	}
	switch len(found) {
	case 0:
		return "", http.StatusUnauthorized, ""
	case 1:
		return found[0], 0, ""
	default:
		// RFC 6750 §2: clients MUST NOT use more than one method.
		return "", http.StatusBadRequest, "invalid_request"
	}
}

// bearerError answers with the RFC 6750 §3 challenge and a JSON body.
func bearerError(w http.ResponseWriter, status int, code, description string) {
	challenge := `Bearer realm="latchkey"`
	if code != "" {
		challenge += `, error="` + code + `"`
		if description != "" {
			challenge += `, error_description="` + sanitizeDescription(description) + `"`
		}
	}
	w.Header().Set("WWW-Authenticate", challenge)
	if code == "" {
		code = "invalid_token"
		description = "An access token is required."
	}
	writeOAuthError(w, status, code, description)
}
