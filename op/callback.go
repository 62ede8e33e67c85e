package op

import (
	"net/http"

	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// callbackPath is where the login side returns a finished sign-in.
const callbackPath = "/authorize/callback"

// callback answers the client for a finished authorization request: a
// code when the sign-in succeeded (RFC 6749 §4.1.2), the error the login
// side recorded otherwise (§4.1.2.1), each with state and iss (RFC 9207)
// in the request's response mode.
func (p *Provider) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := p.storage.store.AuthRequest(ctx, r.URL.Query().Get("id"))
	if err != nil {
		p.errorPage(w, r, http.StatusBadRequest, "This sign-in has expired or is unknown. Go back to the app and start again.")
		return
	}
	resp := newAuthResponse(p.cfg.Issuer, a.RedirectURI, a.ResponseMode, a.State)
	switch {
	case a.Error != "":
		// Finished: the request must not be answered twice.
		_ = p.storage.DeleteAuthRequest(ctx, a.ID)
		resp.withError(knownError(a.Error), a.ErrorDescription).write(w, r)
	case !a.Done:
		resp.withError("interaction_required", "The sign-in is not finished.").write(w, r)
	default:
		code, err := zop.CreateAuthRequestCode(ctx, &authRequest{a: a}, p.storage, p.op.Crypto())
		if err != nil {
			// The request already has its code (a reload of this page) or
			// just expired.
			p.errorPage(w, r, http.StatusBadRequest, "This sign-in was already completed. Go back to the app.")
			return
		}
		resp.params.Set("code", code)
		resp.write(w, r)
	}
}

// knownError passes through the error codes the login side may record
// (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6); anything else becomes
// server_error, so nothing unexpected reaches a client.
func knownError(code string) string {
	switch code {
	case "access_denied", "login_required", "interaction_required", "consent_required",
		"account_selection_required", "invalid_request":
		return code
	}
	return "server_error"
}
