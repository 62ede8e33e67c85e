package login

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/storage/postgres"
)

// shape reduces request options to what may not differ between a known
// and an unknown email: every key, and the type and transports key of
// every allowCredentials entry.
func shape(t *testing.T, b []byte) string {
	t.Helper()
	var m map[string]map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m["publicKey"] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := fmt.Sprint(keys)
	for _, c := range m["publicKey"]["allowCredentials"].([]any) {
		var ck []string
		for k := range c.(map[string]any) {
			ck = append(ck, k)
		}
		sort.Strings(ck)
		out += fmt.Sprint(ck)
	}
	return out
}

func allowed(t *testing.T, b []byte) []string {
	t.Helper()
	var ids []string
	for _, c := range parseRequestOptions(t, b).PublicKey.AllowCredentials {
		ids = append(ids, c.ID+fmt.Sprint(c.Transports))
	}
	return ids
}

func TestEmailLoginDoesNotRevealWhetherAnAccountExists(t *testing.T) {
	t.Parallel()
	counter := &testenv.StatementCounter{}
	ts := newTestServer(t, func(c *postgres.Config) { c.Tracer = counter })
	d := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	ts.setupAdmin(d, "ada@example.com", "Ada")
	ts.invite("bob@example.com", "Bob") // a person without passkeys
	c := ts.browser()
	ar := ts.newAuthRequest()

	begin := func(email string) ([]byte, int64) {
		before := counter.Count()
		b := ts.beginLogin(c, ar.ID, email)
		return b, counter.Count() - before
	}

	known, knownQueries := begin("ada@example.com")
	if knownQueries < 3 {
		t.Fatalf("a known email cost %d statements; the tracer is not counting", knownQueries)
	}
	if len(allowed(t, known)) != 1 {
		t.Fatalf("known email: %s", known)
	}

	// Every email gets 1–3 entries by the same rule; find unknown emails
	// whose decoy lists are as long as Ada's (1) and as long as a
	// two-passkey person's (2), to compare like with like.
	counts := map[int]string{}
	for i := 0; i < 60; i++ {
		email := fmt.Sprintf("nobody%d@example.com", i)
		b, _ := begin(email)
		n := len(allowed(t, b))
		if n < 1 || n > 3 {
			t.Fatalf("%s: %d decoys, want 1–3", email, n)
		}
		if _, ok := counts[n]; !ok {
			counts[n] = email
		}
	}
	if counts[1] == "" || counts[2] == "" {
		t.Fatalf("decoy counts seen: %v; want both 1 and 2 among 60 emails", counts)
	}

	for _, tt := range []struct{ name, email string }{
		{"an unknown email", counts[1]},
		{"a person without passkeys", "bob@example.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			first, queries := begin(tt.email)
			if queries != knownQueries {
				t.Errorf("%d statements, a known email costs %d", queries, knownQueries)
			}
			if tt.email == counts[1] && shape(t, first) != shape(t, known) {
				t.Errorf("shape %s, known email %s", shape(t, first), shape(t, known))
			}
			for _, c := range parseRequestOptions(t, first).PublicKey.AllowCredentials {
				id, err := base64.RawURLEncoding.DecodeString(c.ID)
				if err != nil || !slices.Contains(decoyLengths[:], len(id)) || c.Type != "public-key" || len(c.Transports) == 0 {
					t.Errorf("decoy %+v is not a plausible credential", c)
				}
			}
			second, _ := begin(tt.email)
			if !reflect.DeepEqual(allowed(t, first), allowed(t, second)) {
				t.Errorf("decoys changed between calls: %v then %v", allowed(t, first), allowed(t, second))
			}
			if parseRequestOptions(t, first).PublicKey.Challenge == parseRequestOptions(t, second).PublicKey.Challenge {
				t.Error("the challenge repeated")
			}
		})
	}

	// A person with two passkeys answers two entries, which two-entry
	// decoy lists make no proof of an account.
	d2 := ts.newDevice(virtualwebauthn.AuthenticatorOptions{})
	admin, _ := ts.store.UserByEmail(ts.ctx(), "ada@example.com")
	if res := ts.enroll(ts.browser(), d2, ts.inviteLink(admin), map[string]any{}); res.status != 200 {
		t.Fatalf("second passkey: %d %s", res.status, res.body)
	}
	two, _ := begin("ada@example.com")
	decoys, _ := begin(counts[2])
	if shape(t, two) != shape(t, decoys) {
		t.Errorf("two passkeys %s, two decoys %s", shape(t, two), shape(t, decoys))
	}
}

func TestDecoysDependOnTheSecret(t *testing.T) {
	t.Parallel()
	a := &Handler{Secret: []byte("0123456789abcdef0123456789abcdef")}
	b := &Handler{Secret: []byte("fedcba9876543210fedcba9876543210")}
	same := 0
	for i := 0; i < 20; i++ {
		email := fmt.Sprintf("x%d@example.com", i)
		if !reflect.DeepEqual(a.decoyCredentials(email), a.decoyCredentials(email)) {
			t.Fatal("decoys are not deterministic")
		}
		if reflect.DeepEqual(a.decoyCredentials(email), b.decoyCredentials(email)) {
			same++
		}
	}
	if same != 0 {
		t.Fatalf("%d emails got the same decoys under two secrets", same)
	}
}
