package secrets

import (
	"strings"
	"testing"
)

func TestIDsAreURLSafeAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := ID()
		if len(id) != 22 || strings.ContainsAny(id, ":+/=") || id[0] == '-' || id[0] == '_' {
			t.Fatalf("ID() = %q: want 22 URL-safe characters, not starting with - or _", id)
		}
		if seen[id] {
			t.Fatalf("ID() repeated %q", id)
		}
		seen[id] = true
	}
	if tok := Token(); len(tok) != 43 {
		t.Fatalf("Token() = %q: want 43 characters", tok)
	}
}

func TestEqualComparesAgainstTheHash(t *testing.T) {
	tok := Token()
	h := Hash(tok)
	if !Equal(tok, h) {
		t.Fatal("Equal rejected the right secret")
	}
	if Equal(tok+"x", h) || Equal("", h) {
		t.Fatal("Equal accepted a wrong secret")
	}
}
