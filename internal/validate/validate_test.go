package validate

import (
	"strings"
	"testing"
)

func TestEmail(t *testing.T) {
	good := map[string]string{
		"ada@example.com":         "ada@example.com",
		"  Ada@Example.COM \n":    "ada@example.com",
		"a.b+tag@sub.example.org": "a.b+tag@sub.example.org",
	}
	for in, want := range good {
		if got, err := Email(in); err != nil || got != want {
			t.Errorf("Email(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ada", "@example.com", "ada@", "Ada <ada@example.com>", "ada@example", "a b@example.com", strings.Repeat("a", 250) + "@x.com"} {
		if got, err := Email(in); err == nil {
			t.Errorf("Email(%q) = %q, want an error", in, got)
		}
	}
}

func TestName(t *testing.T) {
	if got, err := Name("  Ada Lovelace "); err != nil || got != "Ada Lovelace" {
		t.Errorf("Name = %q, %v", got, err)
	}
	if _, err := Name(strings.Repeat("é", 64)); err != nil {
		t.Errorf("64 code points refused: %v", err)
	}
	for _, in := range []string{"", "   ", strings.Repeat("x", 65), "a\x00b", "tab\there", "rtl\u202eoverride", "zero\u200bwidth", "\xff"} {
		if got, err := Name(in); err == nil {
			t.Errorf("Name(%q) = %q, want an error", in, got)
		}
	}
}

func TestRedirectURI(t *testing.T) {
	cases := []struct {
		uri    string
		public bool
		ok     bool
	}{
		{"https://app.example.com/callback", false, true},
		{"https://app.example.com/cb?tenant=1", false, true},
		{"http://localhost:9090/callback", false, true},
		{"http://127.0.0.1:8000/cb", true, true},
		{"http://[::1]/cb", true, true},
		{"http://rp.localhost:3000/cb", false, true},
		{"com.example.app:/oauth2redirect", true, true},
		{"com.example.app:/oauth2redirect", false, false},
		{"myapp:/cb", true, false},
		{"http://app.example.com/callback", false, false},
		{"https://app.example.com/cb#frag", false, false},
		{"https://*.example.com/cb", false, false},
		{"/callback", false, false},
		{"javascript:alert(1)", true, false},
		{"https:///nohost", false, false},
		{"", false, false},
		{" https://app.example.com/cb", false, false},
	}
	for _, c := range cases {
		err := RedirectURI(c.uri, c.public)
		if (err == nil) != c.ok {
			t.Errorf("RedirectURI(%q, public=%v) = %v, want ok=%v", c.uri, c.public, err, c.ok)
		}
	}
}
