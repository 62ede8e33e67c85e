// Command rp is a small demo app that signs people in with Latchkey the
// standard way — discovery, authorization code with PKCE, ID token
// verification, userinfo, logout — using coreos/go-oidc and
// golang.org/x/oauth2, and shows what it learned about the person.
//
//	go run ./examples/rp --client-id ID --client-secret SECRET
//
// Register it first:
//
//	latchkey clients create --name "Demo app" \
//	  --redirect-uri http://localhost:9090/callback \
//	  --post-logout-redirect-uri http://localhost:9090/
//
// It keeps its own sessions in memory: it is a demo, not a pattern for
// production apps.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"
)

func main() {
	cfg := Config{}
	flag.StringVar(&cfg.Issuer, "issuer", envOr("RP_ISSUER", "http://localhost:8080"), "Latchkey's issuer URL")
	flag.StringVar(&cfg.ClientID, "client-id", os.Getenv("RP_CLIENT_ID"), "client id from `latchkey clients create`")
	flag.StringVar(&cfg.ClientSecret, "client-secret", os.Getenv("RP_CLIENT_SECRET"), "client secret (empty for a public client)")
	flag.StringVar(&cfg.BaseURL, "url", envOr("RP_URL", "http://localhost:9090"), "this app's own URL; the redirect URI is <url>/callback")
	listen := flag.String("listen", envOr("RP_LISTEN", ":9090"), "address to listen on")
	flag.Parse()
	if cfg.ClientID == "" {
		log.Fatal("rp: --client-id is required (register the app with `latchkey clients create`)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	app, err := NewApp(ctx, cfg)
	if err != nil {
		log.Fatalf("rp: %v", err)
	}
	hs := &http.Server{Addr: *listen, Handler: app, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = hs.Shutdown(context.Background())
	}()
	fmt.Printf("demo app on %s — open %s\n", *listen, cfg.BaseURL)
	if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("rp: %v", err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
