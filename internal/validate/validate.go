// Package validate checks the few kinds of free text people and operators
// give Latchkey: emails, display names, redirect URIs.
package validate

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength is the longest name, in Unicode code points after trimming.
const MaxNameLength = 64

// Email returns the address trimmed and lower-cased, or an error if it is
// not a plain address (no display name, no comments).
func Email(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", errors.New("email is empty")
	}
	if len(s) > 254 {
		return "", errors.New("email is too long")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", errors.New("email is not a valid address")
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || !strings.Contains(domain, ".") && domain != "localhost" {
		return "", errors.New("email is not a valid address")
	}
	return s, nil
}

// Name returns the name trimmed, or an error if it is empty, longer than
// MaxNameLength code points, or holds control or format characters
// (which can hide or reorder text on a screen).
func Name(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", errors.New("name is not valid UTF-8")
	}
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return "", errors.New("name is empty")
	}
	if n > MaxNameLength {
		return "", fmt.Errorf("name is longer than %d characters", MaxNameLength)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "", errors.New("name contains control or format characters")
		}
	}
	return s, nil
}

// RedirectURI checks a redirect URI an operator registers for a client
// (RFC 6749 §3.1.2, RFC 9700 §2.1, RFC 8252 for native apps): absolute,
// no fragment, https — or http only for a loopback host — or, for a public
// (native) client, a private-use scheme such as com.example.app:/cb.
func RedirectURI(s string, public bool) error {
	u, err := url.Parse(s)
	if err != nil || s != strings.TrimSpace(s) || s == "" {
		return fmt.Errorf("redirect URI %q is not a valid URL", s)
	}
	if !u.IsAbs() {
		return fmt.Errorf("redirect URI %q is not absolute", s)
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return fmt.Errorf("redirect URI %q must not contain a fragment", s)
	}
	if strings.ContainsAny(s, "*") {
		return fmt.Errorf("redirect URI %q must not contain wildcards", s)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return fmt.Errorf("redirect URI %q has no host", s)
		}
		return nil
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return fmt.Errorf("redirect URI %q uses http for a host that is not loopback: use https", s)
		}
		return nil
	case "javascript", "data", "file", "vbscript", "about", "blob":
		return fmt.Errorf("redirect URI %q has a forbidden scheme", s)
	default:
		if !public {
			return fmt.Errorf("redirect URI %q: a private-use scheme is only for public (native) clients", s)
		}
		if !strings.Contains(u.Scheme, ".") {
			return fmt.Errorf("redirect URI %q: a private-use scheme must be a reverse domain name (RFC 8252 §7.1)", s)
		}
		return nil
	}
}

// IsLoopbackHost reports whether a host name is this machine: localhost,
// a *.localhost name (RFC 6761), or a loopback IP address.
func IsLoopbackHost(host string) bool {
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
