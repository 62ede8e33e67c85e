package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/internal/testpasskey"
	"github.com/latchkey-id/latchkey/internal/testserver"
)

// apiResult is an answer of the passkey management API.
type apiResult struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r apiResult) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%d %s is not a JSON object: %v", r.Status, r.Body, err)
	}
	return m
}

// callAPI calls /api/v1/me/… the way an app's server does: a bearer token,
// no cookies. token "" sends no Authorization header.
func callAPI(t *testing.T, srv *testserver.Server, token, method, path string, body any) apiResult {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL+"/api/v1/me"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apiResult{Status: res.StatusCode, Header: res.Header, Body: b}
}

// registerDevice adds a new software authenticator's passkey through the
// API: begin with one token, finish with another (of the same grant).
func registerDevice(t *testing.T, srv *testserver.Server, beginToken, finishToken, name string) (apiResult, virtualwebauthn.Credential) {
	t.Helper()
	begin := callAPI(t, srv, beginToken, http.MethodPost, "/passkeys/register/begin", nil)
	if begin.Status != http.StatusOK {
		t.Fatalf("register begin = %d %s", begin.Status, begin.Body)
	}
	opts, err := virtualwebauthn.ParseAttestationOptions(string(begin.Body))
	if err != nil {
		t.Fatalf("creation options: %v", err)
	}
	rp := virtualwebauthn.RelyingParty{ID: "localhost", Name: "Latchkey", Origin: srv.URL}
	auth := virtualwebauthn.NewAuthenticator()
	auth.Options.UserHandle = []byte(opts.UserID)
	cred := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
	body := map[string]any{"credential": json.RawMessage(virtualwebauthn.CreateAttestationResponse(rp, auth, cred, *opts))}
	if name != "" {
		body["name"] = name
	}
	return callAPI(t, srv, finishToken, http.MethodPost, "/passkeys/register/finish", body), cred
}

func TestPasskeyAPIWithTokensFromARealSignIn(t *testing.T) {
	for _, backend := range testserver.Backends {
		t.Run(backend, func(t *testing.T) {
			srv := testserver.Start(t, backend)
			ctx := context.Background()
			user, err := srv.Admin.CreateUser(ctx, admin.NewUser{Email: "ada@example.com", Name: "Ada Lovelace"})
			if err != nil {
				t.Fatal(err)
			}
			ada := testpasskey.New(t, srv.URL)
			enrolled := ada.Enroll(user.EnrollmentURL, nil)
			rp := newRelyingParty(t, srv, false)
			rp.oauth.Scopes = []string{"openid", "passkeys", "offline_access"}
			tok, _, _ := rp.signIn(t, ada)
			if got := tok.Extra("scope"); !strings.Contains(got.(string), "passkeys") {
				t.Fatalf("granted scope %v lacks passkeys", got)
			}
			at := tok.AccessToken

			// List.
			res := callAPI(t, srv, at, http.MethodGet, "/passkeys", nil)
			var list []map[string]any
			if err := json.Unmarshal(res.Body, &list); err != nil || res.Status != http.StatusOK || len(list) != 1 || list[0]["id"] != enrolled["id"] {
				t.Fatalf("list = %d %s", res.Status, res.Body)
			}
			for _, k := range []string{"id", "name", "authenticator", "aaguid", "created_at", "last_used_at", "backed_up", "transports"} {
				if _, ok := list[0][k]; !ok {
					t.Errorf("passkey JSON lacks %q: %v", k, list[0])
				}
			}

			// Register with no cookies at all; a refresh between begin and
			// finish keeps the ceremony (it is bound to the grant).
			refreshed := refresh(t, rp, tok.RefreshToken)
			res, _ = registerDevice(t, srv, at, refreshed.AccessToken, "Backup key")
			added := res.object(t)
			if res.Status != http.StatusCreated || added["name"] != "Backup key" || added["id"] == "" {
				t.Fatalf("register finish = %d %s", res.Status, res.Body)
			}
			at = refreshed.AccessToken
			if res, _ := registerDevice(t, srv, at, at, ""); res.Status != http.StatusCreated {
				t.Fatalf("a second registration = %d %s", res.Status, res.Body)
			}
			// Finish without a begin.
			lone := callAPI(t, srv, at, http.MethodPost, "/passkeys/register/finish", map[string]any{"credential": map[string]any{}})
			if lone.Status != http.StatusBadRequest || lone.object(t)["error"] != "ceremony_expired" {
				t.Errorf("finish without begin = %d %s", lone.Status, lone.Body)
			}
			// A registration begun in one grant cannot be finished with a
			// token of another (another app, or another sign-in).
			otherGrant, _, _ := rp.signIn(t, ada)
			if res, _ := registerDevice(t, srv, at, otherGrant.AccessToken, ""); res.Status != http.StatusBadRequest || res.object(t)["error"] != "ceremony_expired" {
				t.Errorf("finish with another grant's token = %d %s", res.Status, res.Body)
			}

			// Rename.
			id := added["id"].(string)
			res = callAPI(t, srv, at, http.MethodPatch, "/passkeys/"+id, map[string]string{"name": "Drawer key"})
			if res.Status != http.StatusOK || res.object(t)["name"] != "Drawer key" {
				t.Fatalf("rename = %d %s", res.Status, res.Body)
			}

			// Delete: fine right after the sign-in; six minutes later the
			// token's sign-in is too old (RFC 9470).
			if res = callAPI(t, srv, at, http.MethodDelete, "/passkeys/"+id, nil); res.Status != http.StatusNoContent {
				t.Fatalf("delete after a fresh sign-in = %d %s", res.Status, res.Body)
			}
			list = nil
			_ = json.Unmarshal(callAPI(t, srv, at, http.MethodGet, "/passkeys", nil).Body, &list)
			second := list[len(list)-1]["id"].(string)
			srv.Clock.Advance(6 * time.Minute)
			res = callAPI(t, srv, at, http.MethodDelete, "/passkeys/"+second, nil)
			challenge := res.Header.Get("WWW-Authenticate")
			if res.Status != http.StatusUnauthorized || res.object(t)["error"] != "insufficient_user_authentication" ||
				!strings.HasPrefix(challenge, "Bearer ") || !strings.Contains(challenge, `error="insufficient_user_authentication"`) ||
				!strings.Contains(challenge, "max_age=300") {
				t.Fatalf("delete with an old sign-in = %d %v %s", res.Status, res.Header, res.Body)
			}
			if res = callAPI(t, srv, at, http.MethodPost, "/recovery-codes", nil); res.Status != http.StatusUnauthorized {
				t.Errorf("recovery codes with an old sign-in = %d %s", res.Status, res.Body)
			}
			// The registration begun above (and finished with the wrong
			// grant's token) has expired, unswept: a new begin takes its place.
			if res = callAPI(t, srv, at, http.MethodPost, "/passkeys/register/begin", map[string]any{}); res.Status != http.StatusOK {
				t.Errorf("begin over an expired registration = %d %s", res.Status, res.Body)
			}
			// The app signs the person in again with prompt=login.
			fresh, _, _ := rp.signIn(t, ada, oauth2.SetAuthURLParam("prompt", "login"))
			if res = callAPI(t, srv, fresh.AccessToken, http.MethodDelete, "/passkeys/"+second, nil); res.Status != http.StatusNoContent {
				t.Fatalf("delete after prompt=login = %d %s", res.Status, res.Body)
			}

			// Recovery codes: 201, ten.
			res = callAPI(t, srv, fresh.AccessToken, http.MethodPost, "/recovery-codes", nil)
			var codes struct {
				RecoveryCodes []string `json:"recovery_codes"`
			}
			if err := json.Unmarshal(res.Body, &codes); err != nil || res.Status != http.StatusCreated || len(codes.RecoveryCodes) != 10 {
				t.Fatalf("recovery codes = %d %s", res.Status, res.Body)
			}

			// The last passkey goes only while an unused recovery code is left.
			if err := srv.Store.ReplaceRecoveryCodes(ctx, user.User.ID, nil, nil); err != nil {
				t.Fatal(err)
			}
			res = callAPI(t, srv, fresh.AccessToken, http.MethodDelete, "/passkeys/"+enrolled["id"].(string), nil)
			if res.Status != http.StatusConflict || res.object(t)["error"] != "last_passkey" {
				t.Fatalf("delete the last passkey = %d %s", res.Status, res.Body)
			}

			// Another person's passkey is unknown.
			bob, err := srv.Admin.CreateUser(ctx, admin.NewUser{Email: "bob@example.com", Name: "Bob"})
			if err != nil {
				t.Fatal(err)
			}
			bobs := testpasskey.New(t, srv.URL).Enroll(bob.EnrollmentURL, nil)
			if res = callAPI(t, srv, fresh.AccessToken, http.MethodDelete, "/passkeys/"+bobs["id"].(string), nil); res.Status != http.StatusNotFound {
				t.Errorf("delete bob's passkey = %d %s", res.Status, res.Body)
			}

			// Refusals: no token, a bad one, a revoked one, one without the scope.
			res = callAPI(t, srv, "", http.MethodGet, "/passkeys", nil)
			if res.Status != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") || strings.Contains(res.Header.Get("WWW-Authenticate"), "error=") {
				t.Errorf("no token = %d %v", res.Status, res.Header)
			}
			for what, token := range map[string]string{"a made-up token": "not-a-token", "a tampered token": fresh.AccessToken[:len(fresh.AccessToken)-2] + "xx"} {
				res = callAPI(t, srv, token, http.MethodGet, "/passkeys", nil)
				if res.Status != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token"`) || res.object(t)["error"] != "invalid_token" {
					t.Errorf("%s = %d %v %s", what, res.Status, res.Header, res.Body)
				}
			}
			revoke(t, srv.URL, rp, at, "access_token")
			if res = callAPI(t, srv, at, http.MethodGet, "/passkeys", nil); res.Status != http.StatusUnauthorized {
				t.Errorf("a revoked token = %d %s", res.Status, res.Body)
			}
			narrow := rp
			narrow.oauth.Scopes = []string{"openid", "email"}
			plain, _, _ := narrow.signIn(t, ada)
			res = callAPI(t, srv, plain.AccessToken, http.MethodGet, "/passkeys", nil)
			if res.Status != http.StatusForbidden || res.object(t)["error"] != "insufficient_scope" ||
				!strings.Contains(res.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) ||
				!strings.Contains(res.Header.Get("WWW-Authenticate"), `scope="passkeys"`) {
				t.Errorf("a token without the scope = %d %v %s", res.Status, res.Header, res.Body)
			}
			// A cross-site browser request with a bearer token is an app's
			// business: no cookie rides on it.
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/me/passkeys", nil)
			req.Header.Set("Authorization", "Bearer "+fresh.AccessToken)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
				t.Errorf("cross-site bearer request = %v %v", res, err)
			} else {
				res.Body.Close()
			}
		})
	}
}
