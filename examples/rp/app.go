package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config says which provider to use and who the app is.
type Config struct {
	Issuer, ClientID, ClientSecret string
	// BaseURL is the app's own URL; the redirect URI is BaseURL + "/callback".
	BaseURL string
}

// App is the demo relying party.
type App struct {
	cfg      Config
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	mux      *http.ServeMux

	mu       sync.Mutex
	pending  map[string]pending // by state
	sessions map[string]*Session
}

type pending struct{ nonce, verifier string }

// Session is what the app holds after a sign-in: verified tokens and claims.
type Session struct {
	IDToken     string
	AccessToken string
	IDClaims    map[string]any
	UserInfo    map[string]any
}

// NewApp discovers the provider and builds the app.
func NewApp(ctx context.Context, cfg Config) (*App, error) {
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", cfg.Issuer, err)
	}
	a := &App{
		cfg:      cfg,
		provider: provider,
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: provider.Endpoint(),
			RedirectURL: cfg.BaseURL + "/callback", Scopes: []string{oidc.ScopeOpenID, "profile", "email"},
		},
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		mux:      http.NewServeMux(),
		pending:  map[string]pending{},
		sessions: map[string]*Session{},
	}
	a.mux.HandleFunc("GET /{$}", a.home)
	a.mux.HandleFunc("GET /login", a.login)
	a.mux.HandleFunc("GET /callback", a.callback)
	a.mux.HandleFunc("POST /logout", a.logout)
	return a, nil
}

func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Session returns the session of the browser that sent r, if any.
func (a *App) Session(r *http.Request) *Session {
	c, err := r.Cookie("rp_session")
	if err != nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[c.Value]
}

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	render(w, a.Session(r))
}

// login starts the authorization code flow with PKCE (RFC 7636), a state
// against CSRF and a nonce against token replay.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	a.mu.Lock()
	a.pending[state] = pending{nonce: nonce, verifier: verifier}
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "rp_state", Value: state, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, a.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

func (a *App) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := r.Cookie("rp_state")
	if err != nil || c.Value != q.Get("state") {
		http.Error(w, "state mismatch: start again", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	p, ok := a.pending[c.Value]
	delete(a.pending, c.Value)
	a.mu.Unlock()
	if !ok {
		http.Error(w, "unknown sign-in: start again", http.StatusBadRequest)
		return
	}
	if e := q.Get("error"); e != "" {
		http.Error(w, "sign-in failed: "+e+": "+q.Get("error_description"), http.StatusForbidden)
		return
	}
	ctx := r.Context()
	tok, err := a.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		http.Error(w, "code exchange failed: "+err.Error(), http.StatusBadGateway)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.verifier.Verify(ctx, raw)
	if err != nil || idt.Nonce != p.nonce {
		http.Error(w, "the ID token did not verify", http.StatusBadGateway)
		return
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		http.Error(w, "the access token does not match the ID token", http.StatusBadGateway)
		return
	}
	s := &Session{IDToken: raw, AccessToken: tok.AccessToken}
	_ = idt.Claims(&s.IDClaims)
	if info, err := a.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		_ = info.Claims(&s.UserInfo)
	}
	id := random()
	a.mu.Lock()
	a.sessions[id] = s
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "rp_session", Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusFound)
}

// logout forgets the app's session and asks Latchkey to end its own
// (OIDC RP-Initiated Logout).
func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	s := a.Session(r)
	if c, err := r.Cookie("rp_session"); err == nil {
		a.mu.Lock()
		delete(a.sessions, c.Value)
		a.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: "rp_session", Path: "/", MaxAge: -1})
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if s == nil || a.provider.Claims(&meta) != nil || meta.EndSession == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	u := meta.EndSession + "?" + url.Values{"id_token_hint": {s.IDToken}, "post_logout_redirect_uri": {a.cfg.BaseURL + "/"}}.Encode()
	http.Redirect(w, r, u, http.StatusSeeOther)
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func pretty(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

var page = template.Must(template.New("page").Funcs(template.FuncMap{"pretty": pretty}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo app</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f5;padding:1rem;overflow:auto}</style>
</head><body>
<h1>Demo app</h1>
{{if .}}
<p id="status">Signed in as <strong>{{index .UserInfo "name"}}</strong> ({{index .UserInfo "email"}}). The ID token's signature, issuer, audience, nonce and at_hash were verified.</p>
<h2>ID token claims</h2><pre id="id-claims">{{pretty .IDClaims}}</pre>
<h2>Userinfo</h2><pre id="userinfo">{{pretty .UserInfo}}</pre>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>
{{else}}
<p id="status">You are not signed in.</p>
<p><a id="sign-in" href="/login">Sign in with Latchkey</a></p>
{{end}}
</body></html>`))

func render(w http.ResponseWriter, s *Session) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = page.Execute(w, s)
}
