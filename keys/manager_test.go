package keys_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testserver"
	"github.com/latchkey-id/latchkey/keys"
	"github.com/latchkey-id/latchkey/storage"
)

var both = []jose.SignatureAlgorithm{keys.RS256, keys.ES256}

func forEachStore(t *testing.T, f func(t *testing.T, st storage.Store, clock *testserver.Clock)) {
	for _, backend := range testserver.Backends {
		t.Run(backend, func(t *testing.T) {
			clock := &testserver.Clock{}
			f(t, testserver.OpenStore(t, backend, storage.Options{Now: clock.Now}), clock)
		})
	}
}

func newManager(t *testing.T, st storage.Store, master []byte, clock *testserver.Clock) *keys.Manager {
	t.Helper()
	m, err := keys.New(st, master, keys.Options{Algorithms: both, Now: clock.Now, CacheFor: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReplicasStartingTogetherAgreeOnOneKeyPerAlgorithm(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store, clock *testserver.Clock) {
		master := secrets.Bytes(32)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- newManager(t, st, master, clock).Ensure(context.Background())
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		rows, err := st.SigningKeys(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, r := range rows {
			count[r.Algorithm]++
		}
		if len(rows) != 2 || count["RS256"] != 1 || count["ES256"] != 1 {
			t.Fatalf("stored keys %v, want one RS256 and one ES256", count)
		}
	})
}

func TestKeysAreSealedAndIdentifiedByThumbprint(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store, clock *testserver.Clock) {
		ctx := context.Background()
		master := secrets.Bytes(32)
		m := newManager(t, st, master, clock)
		if err := m.Ensure(ctx); err != nil {
			t.Fatal(err)
		}
		rows, _ := st.SigningKeys(ctx)
		for _, alg := range both {
			k, err := m.Signer(ctx, alg)
			if err != nil {
				t.Fatal(err)
			}
			tp, err := (&jose.JSONWebKey{Key: k.Signer.Public()}).Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if want := base64.RawURLEncoding.EncodeToString(tp); k.ID != want {
				t.Errorf("%s kid %q, want the RFC 7638 thumbprint %q", alg, k.ID, want)
			}
			der, _ := x509.MarshalPKCS8PrivateKey(k.Signer)
			for _, r := range rows {
				if r.ID == k.ID && bytes.Contains(r.PrivateKey, der[len(der)-32:]) {
					t.Errorf("%s private key is stored in clear", alg)
				}
			}
		}
		// Another master key cannot open them: one clear error, no key.
		other := newManager(t, st, secrets.Bytes(32), clock)
		if _, err := other.Signer(ctx, keys.RS256); err == nil || !strings.Contains(err.Error(), "wrong master key") {
			t.Fatalf("a manager with another master key: %v", err)
		}
	})
}

func TestRotationPublishesTheNewKeyBeforeItSigns(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store, clock *testserver.Clock) {
		ctx := context.Background()
		m := newManager(t, st, secrets.Bytes(32), clock)
		if err := m.Ensure(ctx); err != nil {
			t.Fatal(err)
		}
		old, _ := m.Signer(ctx, keys.RS256)
		newID, err := m.Rotate(ctx, keys.RS256, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if newID == old.ID {
			t.Fatal("rotation kept the key id")
		}
		published := func() map[string]bool {
			pub, err := m.PublicKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, k := range pub {
				ids[k.ID] = true
			}
			return ids
		}
		if ids := published(); !ids[old.ID] || !ids[newID] {
			t.Fatalf("after rotation the JWKS holds %v, want both %s and %s", ids, old.ID, newID)
		}
		if k, _ := m.Signer(ctx, keys.RS256); k.ID != old.ID {
			t.Fatalf("the new key signs at once (%s); replicas may not publish it yet", k.ID)
		}
		clock.Advance(3 * time.Second) // past the activation delay (2 × CacheFor)
		if k, _ := m.Signer(ctx, keys.RS256); k.ID != newID {
			t.Fatalf("after the activation delay %s signs, want %s", k.ID, newID)
		}
		clock.Advance(time.Hour)
		if ids := published(); ids[old.ID] || !ids[newID] {
			t.Fatalf("an hour later the JWKS holds %v: the old key should be gone", ids)
		}
		if rotated, err := m.RotateIfOlder(ctx, keys.RS256, 24*time.Hour, time.Hour); err != nil || rotated {
			t.Fatalf("a young key was rotated (%v, %v)", rotated, err)
		}
		clock.Advance(25 * time.Hour)
		if rotated, err := m.RotateIfOlder(ctx, keys.RS256, 24*time.Hour, time.Hour); err != nil || !rotated {
			t.Fatalf("an old key was not rotated (%v, %v)", rotated, err)
		}
	})
}
