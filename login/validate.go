package login

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxEmailLength is the longest address SMTP can carry (RFC 5321 §4.5.3.1.3).
const maxEmailLength = 254

// normalizeEmail trims and lower-cases an address (the form the store keeps)
// and reports whether it is a plain, syntactically valid address.
func normalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > maxEmailLength || !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
		return "", false
	}
	a, err := mail.ParseAddress(s)
	// Address == s refuses display names ("Bob <bob@example.com>") and
	// anything the parser had to rewrite.
	if err != nil || a.Address != s || a.Name != "" {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s[at+1:], " \"\\") {
		return "", false
	}
	return s, true
}

// maxNameLength is the DESIGN.md limit for names, in code points.
const maxNameLength = 64

// normalizeName trims a name and reports whether it is 1–64 code points of
// valid UTF-8 without control or format characters (DESIGN.md).
func normalizeName(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", false
	}
	n := utf8.RuneCountInString(s)
	if n < 1 || n > maxNameLength || strings.ContainsFunc(s, isControl) {
		return "", false
	}
	return s, true
}

// isControl is true for control (Cc) and format (Cf) characters, which can
// hide or reorder text (bidi overrides, zero-width joiners).
func isControl(r rune) bool {
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}
