package login

import (
	"net/http"
	"slices"
	"strings"

	"github.com/latchkey-id/latchkey/storage"
)

type signupPageData struct {
	pageBase
	AuthRequestID string
	AppName       string
	Email         string
	// Domains is a hint for a limited sign-up ("example.com, example.org").
	Domains string
}

// signupPage serves GET /signup?authRequestID=ID: create an account with an
// email address and the code sent to it, for one open authorization
// request. 404 while sign-up is closed.
func (h *Handler) signupPage(w http.ResponseWriter, r *http.Request) error {
	if !h.Signup.Open {
		return errSignupClosed
	}
	id := r.URL.Query().Get("authRequestID")
	if !validID(id) {
		return pageSignInExpired
	}
	ctx := r.Context()
	ar, err := h.openAuthRequest(ctx, id)
	if err != nil {
		return expiredOr(pageSignInExpired, err)
	}
	client, err := h.Store.Client(ctx, ar.ClientID)
	if err != nil {
		return expiredOr(pageSignInExpired, err)
	}
	data := signupPageData{
		pageBase:      pageBase{Root: rootTop},
		AuthRequestID: ar.ID,
		AppName:       client.Name,
		Domains:       strings.Join(h.Signup.Domains, ", "),
	}
	if data.AppName == "" {
		data.AppName = "the app"
	}
	if email, ok := normalizeEmail(ar.LoginHint); ok {
		data.Email = email
	}
	h.render(w, r, http.StatusOK, "signup.html", data)
	return nil
}

// promptCreate is the prompt value of Initiating User Registration via
// OpenID Connect 1.0 (§4): the app asks for the sign-up page.
const promptCreate = "create"

// wantsSignup reports whether /login should open sign-up instead: the
// request says prompt=create, sign-up is open, and the person did not
// choose "Sign in instead" on the sign-up page (…&signin=1). A closed
// sign-up ignores the prompt and shows the sign-in page.
func (h *Handler) wantsSignup(r *http.Request, ar storage.AuthRequest) bool {
	return h.Signup.Open && slices.Contains(ar.Prompt, promptCreate) && r.URL.Query().Get("signin") == ""
}
