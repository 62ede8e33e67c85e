package aaguid

import "testing"

func TestWellKnownAuthenticatorsHaveNames(t *testing.T) {
	cases := map[string]string{
		"fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "Apple Passwords",
		"EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4": "Google Password Manager",
		"08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
		"00000000-0000-0000-0000-000000000000": "",
		"01020304-0506-0708-0102-030405060708": "",
		"not a uuid":                           "",
	}
	for id, want := range cases {
		if got := Name(id); got != want {
			t.Errorf("Name(%q) = %q, want %q", id, got, want)
		}
	}
}
