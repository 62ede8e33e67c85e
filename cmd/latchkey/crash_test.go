package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey-id/latchkey/internal/testpasskey"
)

// TestKilledServerLosesNothingCommitted kills `latchkey serve` on the
// embedded store with SIGKILL while people are signing in, restarts it on
// the same data directory, and checks that everything it had confirmed
// before the kill is still there and still works: clients, users, their
// passkeys (they sign in again) and every refresh token a client received.
func TestKilledServerLosesNothingCommitted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	port := freePort(t)
	env := []string{"LATCHKEY_DATA_DIR=" + dir, "LATCHKEY_MASTER_KEY=", "LATCHKEY_DATABASE_URL="}
	srv := startServeOn(t, port, env...)
	c := newCLI(t)
	c.env["LATCHKEY_DATA_DIR"] = dir
	c.env["LATCHKEY_ISSUER"] = srv.issuer

	// Clients and users, written by the CLI while the server runs.
	type clientCreds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	var clients []clientCreds
	for i := range 3 {
		var cc clientCreds
		c.json(&cc, "clients", "create", "--name", fmt.Sprintf("App %d", i), "--redirect-uri", "http://localhost:9999/cb")
		clients = append(clients, cc)
	}
	const people = 6
	persons := make([]*testpasskey.Person, people)
	for i := range people {
		var u struct {
			EnrollmentURL string `json:"enrollment_url"`
		}
		c.json(&u, "users", "create", "--email", fmt.Sprintf("p%d@example.com", i), "--name", "P")
		persons[i] = testpasskey.New(t, srv.issuer)
		persons[i].Enroll(u.EnrollmentURL, nil)
	}

	// Sign-ins in a loop; every refresh token a client receives is a
	// promise the server made, so it must survive the kill.
	var (
		mu      sync.Mutex
		issued  []issuedToken
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		flowsOK int
	)
	for i, p := range persons {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc := clients[i%len(clients)]
			conf := oauthConfig(srv.issuer, cc.ClientID, cc.ClientSecret)
			for {
				select {
				case <-stop:
					return
				default:
				}
				rt, err := signInForRefreshToken(p, conf)
				if err != nil {
					continue // the server may be dying
				}
				mu.Lock()
				issued = append(issued, issuedToken{conf: conf, refreshToken: rt})
				flowsOK++
				mu.Unlock()
			}
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := flowsOK
		mu.Unlock()
		if n >= 30 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.kill(t) // in the middle of sign-ins
	close(stop)
	wg.Wait()
	if len(issued) < 30 {
		t.Fatalf("only %d sign-ins completed before the kill", len(issued))
	}
	t.Logf("killed after %d completed sign-ins", len(issued))

	srv2 := startServeOn(t, port, env...)
	var list struct {
		Clients []clientCreds `json:"clients"`
	}
	c.json(&list, "clients", "list")
	if len(list.Clients) != len(clients) {
		t.Fatalf("%d clients after restart, want %d", len(list.Clients), len(clients))
	}
	var users struct {
		Users []map[string]any `json:"users"`
	}
	c.json(&users, "users", "list")
	if len(users.Users) != people {
		t.Fatalf("%d users after restart, want %d", len(users.Users), people)
	}
	for i, tok := range issued {
		if _, err := refreshOnce(tok); err != nil {
			t.Fatalf("refresh token %d of %d, issued before the kill, no longer works: %v", i+1, len(issued), err)
		}
	}
	for i, p := range persons {
		cc := clients[0]
		if _, err := signInForRefreshToken(p, oauthConfig(srv2.issuer, cc.ClientID, cc.ClientSecret)); err != nil {
			t.Fatalf("person %d cannot sign in with their passkey after the restart: %v", i, err)
		}
	}
	srv2.stop(t)
}

type issuedToken struct {
	conf         oauth2.Config
	refreshToken string
}

func oauthConfig(issuer, id, secret string) oauth2.Config {
	return oauth2.Config{
		ClientID: id, ClientSecret: secret, RedirectURL: "http://localhost:9999/cb",
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/authorize", TokenURL: issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
		Scopes:   []string{"openid", "offline_access"},
	}
}

// signInForRefreshToken runs one authorization code flow and returns the
// refresh token. It reports errors instead of failing the test: it runs
// in goroutines while the server is being killed.
func signInForRefreshToken(p *testpasskey.Person, conf oauth2.Config) (string, error) {
	v := oauth2.GenerateVerifier()
	loc, err := p.TryAuthorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v), oauth2.SetAuthURLParam("prompt", "login")))
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		return "", err
	}
	if tok.RefreshToken == "" {
		return "", fmt.Errorf("no refresh token")
	}
	return tok.RefreshToken, nil
}

func refreshOnce(tok issuedToken) (string, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.refreshToken}}
	req, _ := http.NewRequest(http.MethodPost, tok.conf.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(tok.conf.ClientID), url.QueryEscape(tok.conf.ClientSecret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %v", res.StatusCode, body)
	}
	rt, _ := body["refresh_token"].(string)
	return rt, nil
}
