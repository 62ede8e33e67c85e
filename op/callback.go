package op

import (
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// callbackPath is where zitadel expects the login UI to return; Latchkey
// serves it itself so that a sign-in the login side refused reaches the
// client as the right OAuth error rather than "interaction_required".
const callbackPath = "/authorize/callback"

// callback answers the client for a finished authorization request: a
// code when the sign-in succeeded, the recorded error otherwise (RFC 6749
// §4.1.2, §4.1.2.1).
func (p *Provider) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := p.storage.store.AuthRequest(ctx, r.URL.Query().Get("id"))
	if err != nil {
		p.errorPage(w, r, http.StatusBadRequest, "This sign-in has expired or is unknown. Go back to the app and start again.")
		return
	}
	req := &authRequest{a: a}
	serve := func(w http.ResponseWriter, r *http.Request) {
		switch {
		case a.Error != "":
			// The request is finished; it must not be answered twice.
			_ = p.storage.DeleteAuthRequest(r.Context(), a.ID)
			zop.AuthRequestError(w, r, req, oauthError(a.Error, a.ErrorDescription), p.op)
		case !a.Done:
			zop.AuthRequestError(w, r, req, oidc.ErrInteractionRequired().WithDescription("The sign-in is not finished."), p.op)
		default:
			zop.AuthResponse(req, p.op, w, r)
		}
	}
	// zitadel's response helpers read the issuer from the context.
	zop.NewIssuerInterceptor(p.op.IssuerFromRequest).HandlerFunc(serve)(w, r)
}

// oauthError rebuilds a recorded OAuth error. Codes outside the list a
// login may record become server_error, so nothing unexpected reaches a
// client.
func oauthError(code, description string) *oidc.Error {
	var e *oidc.Error
	switch code {
	case "access_denied":
		e = oidc.ErrAccessDenied()
	case "login_required":
		e = oidc.ErrLoginRequired()
	case "interaction_required":
		e = oidc.ErrInteractionRequired()
	case "consent_required":
		e = &oidc.Error{ErrorType: "consent_required"}
	case "account_selection_required":
		e = &oidc.Error{ErrorType: "account_selection_required"}
	case "invalid_request":
		e = oidc.ErrInvalidRequest()
	default:
		e = oidc.ErrServerError()
	}
	return e.WithDescription("%s", description)
}
