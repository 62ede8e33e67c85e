package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/latchkey-id/latchkey/internal/validate"
	"github.com/latchkey-id/latchkey/login"
)

// passkeyFlags are serve's flags for who may sign up and which passkeys
// are accepted.
type passkeyFlags struct {
	signup           *string
	signupDomains    list
	smtpURL          *string
	relatedOrigins   list
	userVerification *string
	synced           *string
	allowedAAGUIDs   list
}

func addPasskeyFlags(f *flags) *passkeyFlags {
	p := &passkeyFlags{
		signup:           f.String("signup", "invite", "who may create an account: invite (only enrollment links) or open (anyone, verified by an emailed code)"),
		smtpURL:          f.String("smtp-url", "", "mail server for sign-up codes, e.g. smtp://user:pass@host:587?from=id@example.com (smtps:// for implicit TLS); without it codes are written to the log"),
		userVerification: f.String("user-verification", "required", "passkey user verification: required or preferred (for security keys without a PIN)"),
		synced:           f.String("synced-passkeys", "allowed", "synced passkeys (iCloud Keychain, Google Password Manager, …): allowed or forbidden"),
	}
	f.secret("smtp-url")
	f.Var(&p.signupDomains, "signup-domains", "with --signup open, only these email domains may sign up (repeatable or comma-separated)")
	f.Var(&p.relatedOrigins, "related-origin", "another origin of yours where the same passkeys work, served at /.well-known/webauthn (repeatable)")
	f.Var(&p.allowedAAGUIDs, "allowed-aaguid", "accept new passkeys only from this authenticator model (AAGUID; repeatable)")
	return p
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// resolve checks every value and reports all problems at once.
func (p *passkeyFlags) resolve() (login.Policy, login.SignupPolicy, error) {
	var problems []string
	var pol login.Policy
	var sign login.SignupPolicy
	switch *p.signup {
	case "invite":
	case "open":
		sign.Open = true
	default:
		problems = append(problems, fmt.Sprintf("--signup %q: want invite or open", *p.signup))
	}
	for _, d := range p.signupDomains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if _, err := validate.Email("x@" + d); err != nil {
			problems = append(problems, fmt.Sprintf("--signup-domains %q is not a domain", d))
			continue
		}
		sign.Domains = append(sign.Domains, d)
	}
	if len(sign.Domains) > 0 && !sign.Open {
		problems = append(problems, "--signup-domains needs --signup open")
	}
	switch *p.userVerification {
	case "required", "preferred":
		pol.UserVerification = *p.userVerification
	default:
		problems = append(problems, fmt.Sprintf("--user-verification %q: want required or preferred", *p.userVerification))
	}
	switch *p.synced {
	case "allowed":
	case "forbidden":
		pol.ForbidSynced = true
	default:
		problems = append(problems, fmt.Sprintf("--synced-passkeys %q: want allowed or forbidden", *p.synced))
	}
	for _, a := range p.allowedAAGUIDs {
		a = strings.ToLower(strings.TrimSpace(a))
		if !uuidPattern.MatchString(a) {
			problems = append(problems, fmt.Sprintf("--allowed-aaguid %q is not a UUID", a))
			continue
		}
		pol.AllowedAAGUIDs = append(pol.AllowedAAGUIDs, a)
	}
	for _, o := range p.relatedOrigins {
		if err := checkOrigin(o); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if problems != nil {
		return pol, sign, errors.New(strings.Join(problems, "; "))
	}
	return pol, sign, nil
}

// checkOrigin accepts scheme://host[:port], nothing more.
func checkOrigin(o string) error {
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok || (scheme != "https" && scheme != "http") || rest == "" || strings.ContainsAny(rest, "/?#@") {
		return fmt.Errorf("--related-origin %q: want an origin such as https://login.example.com", o)
	}
	if scheme == "http" && !validate.IsLoopbackHost(strings.Split(rest, ":")[0]) {
		return fmt.Errorf("--related-origin %q: passkeys need https", o)
	}
	return nil
}
