package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
	"github.com/latchkey-id/latchkey/internal/testserver"
	"github.com/latchkey-id/latchkey/storage"
)

// A person who lost their only device signs in to an app with a recovery
// code on a new one: the app's authorization request goes through "Lost
// your passkey?", a new passkey, and ends at the client with a code that
// the client exchanges for tokens naming the person. The old device still
// works (recovery adds, the account page removes).
func TestRecoveryEndToEnd(t *testing.T) {
	for _, backend := range testserver.Backends {
		t.Run(backend, func(t *testing.T) {
			srv := testserver.Start(t, backend)
			ctx := context.Background()
			user, err := srv.Admin.CreateUser(ctx, admin.NewUser{Email: "ada@example.com", Name: "Ada Lovelace"})
			if err != nil {
				t.Fatal(err)
			}
			oldDevice := testpasskey.New(t, srv.URL)
			oldDevice.Enroll(user.EnrollmentURL, nil)
			codes := oldDevice.RecoveryCodes
			if len(codes) != 10 {
				t.Fatalf("the first passkey came with %d recovery codes", len(codes))
			}
			rp := newRelyingParty(t, srv, false)

			newDevice := testpasskey.New(t, srv.URL)
			state, nonce, verifier := secrets.Token(), secrets.Token(), oauth2.GenerateVerifier()
			res := newDevice.Get(rp.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
			if res.Status != http.StatusFound || res.Location.Path != "/login" {
				t.Fatalf("authorize: %d to %v", res.Status, res.Location)
			}
			authRequestID := res.Location.Query().Get("authRequestID")
			if page := newDevice.Get(res.Location.String()); page.Status != http.StatusOK {
				t.Fatalf("sign-in page: %d", page.Status)
			}

			to := newDevice.Recover(authRequestID, "ada@example.com", codes[0])
			if len(newDevice.RecoveryCodes) != 0 {
				t.Errorf("a recovery answered new codes")
			}
			res = newDevice.Get(to) // the OP's callback sends the browser to the client
			if res.Status != http.StatusFound || !strings.HasPrefix(res.Location.String(), rpRedirect+"?") {
				t.Fatalf("after the recovery: %d to %v", res.Status, res.Location)
			}
			q := res.Location.Query()
			if q.Get("state") != state || q.Get("code") == "" {
				t.Fatalf("client redirect %v", res.Location)
			}
			tok, err := rp.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("code exchange: %v", err)
			}
			idt, err := rp.verifier.Verify(ctx, tok.Extra("id_token").(string))
			if err != nil || idt.Subject != user.User.ID || idt.Nonce != nonce {
				t.Fatalf("ID token %+v: %v", idt, err)
			}

			events, err := srv.Store.SecurityEvents(ctx, user.User.ID, 20)
			if err != nil || !slices.ContainsFunc(events, func(e storage.SecurityEvent) bool { return e.Kind == "recovery_used" }) {
				t.Errorf("events = %+v %v", events, err)
			}
			// Both devices sign in now.
			rp.signIn(t, newDevice)
			rp.signIn(t, oldDevice)
		})
	}
}
