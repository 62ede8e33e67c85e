package recoverycode

import (
	"strings"
	"testing"
	"time"
)

func TestCodesMatchOnceAndForgiveTyping(t *testing.T) {
	codes, records := New("user-1", time.Now())
	if len(codes) != Count || len(records) != Count {
		t.Fatalf("got %d codes, %d records", len(codes), len(records))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 11 || c[5] != '-' || seen[c] {
			t.Fatalf("code %q is malformed or repeated", c)
		}
		seen[c] = true
		if strings.Contains(string(records[i].Hash), strings.ReplaceAll(c, "-", "")) {
			t.Fatal("a record holds its code in clear")
		}
	}
	typed := strings.ToLower(" " + codes[3][:5] + " " + codes[3][6:] + " ")
	got, ok := Match(typed, records)
	if !ok || got.ID != records[3].ID {
		t.Fatalf("Match(%q) = %v %v, want record 3", typed, got.ID, ok)
	}
	// Look-alikes read as digits.
	lookalike := strings.NewReplacer("0", "O", "1", "I").Replace(codes[3])
	if got, ok := Match(lookalike, records); !ok || got.ID != records[3].ID {
		t.Fatalf("Match(%q) failed", lookalike)
	}
	records[3].UsedAt = time.Now()
	if _, ok := Match(codes[3], records); ok {
		t.Fatal("a used code matched")
	}
	for _, wrong := range []string{"", "00000-00000", codes[4] + "X", codes[4][:10]} {
		if _, ok := Match(wrong, records); ok {
			t.Fatalf("Match(%q) matched", wrong)
		}
	}
	_, other := New("user-2", time.Now())
	if _, ok := Match(codes[4], other); ok {
		t.Fatal("a code matched another person's set")
	}
	if _, ok := Match(codes[4], nil); ok {
		t.Fatal("a code matched an empty set")
	}
}

func BenchmarkMatch(b *testing.B) {
	codes, records := New("u", time.Now())
	for b.Loop() {
		Match(codes[9], records)
	}
}
