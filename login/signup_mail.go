package login

import (
	"net/url"

	"github.com/latchkey-id/latchkey/internal/mail"
)

// The two mails of sign-up. Which one an address gets is known only to
// whoever reads that mailbox: the page says "we sent you a code" either way.

// siteName names this Latchkey in mail: the issuer's host.
func (h *Handler) siteName() string {
	if u, err := url.Parse(h.Issuer); err == nil && u.Host != "" {
		return u.Host
	}
	return "Latchkey"
}

func (h *Handler) signupCodeMail(to, code string) mail.Message {
	site := h.siteName()
	return mail.Message{
		To:      to,
		Subject: "Your sign-up code for " + site,
		Text: "Your code to create an account at " + site + ":\n\n" +
			"    " + code + "\n\n" +
			"Enter it on the sign-up page. It works for 10 minutes.\n\n" +
			"If you did not ask to sign up, ignore this email: no account is created without the code.\n",
	}
}

func (h *Handler) accountExistsMail(to string) mail.Message {
	site := h.siteName()
	return mail.Message{
		To:      to,
		Subject: "You already have an account at " + site,
		Text: "Someone, probably you, asked to create an account at " + site + " with this email address.\n" +
			"You already have an account, so no code was sent.\n\n" +
			"Sign in with your passkey instead. If you lost it, choose \"Lost your passkey?\" on the sign-in page " +
			"and use one of your recovery codes.\n\n" +
			"If it was not you, ignore this email: nothing has changed.\n",
	}
}
