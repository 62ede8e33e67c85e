package login

import (
	"slices"
	"testing"
)

func TestScopesOnTheConsentPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		requested []string
		known     []string
		shown     []string
	}{
		{"nothing requested shows nothing", nil, nil, nil},
		{"unknown scopes are dropped", []string{"groups", "openid", "api:read"}, []string{"openid"}, []string{"Know who you are"}},
		{"known scopes come in the page's order, once each",
			[]string{"passkeys", "email", "openid", "email", "offline_access", "profile"},
			[]string{"openid", "profile", "email", "offline_access", "passkeys"},
			[]string{"Know who you are", "See your name", "See your email address", "Stay signed in when you are not using it", "Manage your passkeys"}},
		{"scope names are case-sensitive (RFC 6749 §3.3)", []string{"OpenID", "EMAIL"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			known := knownScopes(tt.requested)
			if !slices.Equal(known, tt.known) {
				t.Errorf("knownScopes = %q, want %q", known, tt.known)
			}
			if shown := describeScopes(known); !slices.Equal(shown, tt.shown) {
				t.Errorf("describeScopes = %q, want %q", shown, tt.shown)
			}
		})
	}
}

func TestAConsentCoversWhatItGranted(t *testing.T) {
	t.Parallel()
	granted := []string{"openid", "email"}
	tests := []struct {
		name   string
		wanted []string
		covers bool
	}{
		{"the same scopes", []string{"email", "openid"}, true},
		{"fewer scopes", []string{"openid"}, true},
		{"no scopes", nil, true},
		{"one more scope", []string{"openid", "email", "profile"}, false},
		{"another scope", []string{"offline_access"}, false},
	}
	for _, tt := range tests {
		if got := covers(granted, tt.wanted); got != tt.covers {
			t.Errorf("%s: covers(%q, %q) = %v", tt.name, granted, tt.wanted, got)
		}
	}
	if got := unionScopes(granted, []string{"profile", "openid", "passkeys"}); !slices.Equal(got, []string{"openid", "email", "profile", "passkeys"}) {
		t.Errorf("unionScopes = %q", got)
	}
	if got := unionScopes(nil, []string{"openid"}); !slices.Equal(got, []string{"openid"}) {
		t.Errorf("unionScopes from nothing = %q", got)
	}
}
