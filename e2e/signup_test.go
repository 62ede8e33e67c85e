package e2e

import (
	"context"
	"crypto/tls"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/internal/mail"
	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
	"github.com/latchkey-id/latchkey/internal/testserver"
	"github.com/latchkey-id/latchkey/internal/testsmtp"
	"github.com/latchkey-id/latchkey/login"
	"github.com/latchkey-id/latchkey/server"
)

// An app asks for sign-up (prompt=create); the person gets a code by mail
// from a real SMTP server, creates a passkey, and the app receives tokens
// for a new person whose email is verified.
func TestSignUpEndToEnd(t *testing.T) {
	for _, backend := range testserver.Backends {
		t.Run(backend, func(t *testing.T) {
			smtpd := testsmtp.Start(t, testsmtp.Options{TLS: testsmtp.Implicit, Username: "latchkey", Password: "s3cret"})
			m, err := mail.NewSMTP(smtpd.URL)
			if err != nil {
				t.Fatal(err)
			}
			m.TLSConfig = &tls.Config{RootCAs: smtpd.RootCAs}
			srv := testserver.Start(t, backend, testserver.WithConfig(func(c *server.Config) {
				c.Signup = login.SignupPolicy{Open: true}
				c.Mailer = m
			}))
			ctx := context.Background()
			rp := newRelyingParty(t, srv, true)
			grace := testpasskey.New(t, srv.URL)

			state, nonce, verifier := secrets.Token(), secrets.Token(), oauth2.GenerateVerifier()
			res := grace.Get(rp.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier),
				oauth2.SetAuthURLParam("prompt", "create")))
			if res.Status != http.StatusFound || res.Location.Path != "/login" {
				t.Fatalf("authorize: %d to %v", res.Status, res.Location)
			}
			authRequestID := res.Location.Query().Get("authRequestID")
			if res = grace.Get(res.Location.String()); res.Status != http.StatusFound || res.Location.Path != "/signup" {
				t.Fatalf("prompt=create: %d to %v", res.Status, res.Location)
			}
			if res = grace.PostJSON("/signup/start", map[string]string{"auth_request_id": authRequestID, "email": "grace@example.com"}); res.Status != http.StatusOK {
				t.Fatalf("start: %d %s", res.Status, res.Body)
			}
			code := regexp.MustCompile(`\b\d{6}\b`).FindString(smtpd.Wait(t, "grace@example.com", 1).Text)
			res = grace.PostJSON("/signup/verify", map[string]string{"auth_request_id": authRequestID, "email": "grace@example.com", "code": code})
			var verified struct {
				EnrollURL string `json:"enroll_url"`
			}
			res.JSON(t, &verified)
			if res.Status != http.StatusOK || !strings.HasPrefix(verified.EnrollURL, srv.URL+"/enroll/") {
				t.Fatalf("verify: %d %s", res.Status, res.Body)
			}
			grace.Enroll(verified.EnrollURL, nil)
			if len(grace.RecoveryCodes) != 10 || grace.ContinueTo == "" {
				t.Fatalf("enrollment: %d codes, continue to %q", len(grace.RecoveryCodes), grace.ContinueTo)
			}
			res = grace.Get(grace.ContinueTo)
			if res.Status != http.StatusFound || !strings.HasPrefix(res.Location.String(), rpRedirect+"?") || res.Location.Query().Get("state") != state {
				t.Fatalf("after sign-up: %d to %v", res.Status, res.Location)
			}
			tok, err := rp.oauth.Exchange(ctx, res.Location.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("code exchange: %v", err)
			}
			idt, err := rp.verifier.Verify(ctx, tok.Extra("id_token").(string))
			if err != nil || idt.Nonce != nonce {
				t.Fatalf("ID token: %v", err)
			}
			info, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil || info.Subject != idt.Subject || info.Email != "grace@example.com" || !info.EmailVerified {
				t.Fatalf("userinfo %+v: %v", info, err)
			}
			// The person signs in again with the new passkey.
			if _, idt2, _ := rp.signIn(t, grace); idt2.Subject != idt.Subject {
				t.Fatalf("second sign-in as %s, want %s", idt2.Subject, idt.Subject)
			}
		})
	}
}
