package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/latchkey-id/latchkey/internal/mail"
	"github.com/latchkey-id/latchkey/internal/validate"
	"github.com/latchkey-id/latchkey/login"
	"github.com/latchkey-id/latchkey/server"
)

func serveCmd(ctx context.Context, env *environment, args []string) int {
	f := newFlags("serve", env)
	db := addDBFlags(f)
	issuer := f.String("issuer", "http://localhost:8080", "public URL of this OpenID provider (tokens carry it byte for byte)")
	listen := f.String("listen", ":8080", "address to listen on")
	masterKey := f.String("master-key", "", "32 random bytes in base64 that seal the signing keys; generated beside the embedded store when empty, required with PostgreSQL")
	f.secret("master-key")
	logFormat := f.String("log-format", "text", "log format: text or json")
	logLevel := f.String("log-level", "info", "log level: debug, info, warn or error")
	rpName := f.String("rp-name", "Latchkey", "name authenticators show when a passkey is created")
	metricsOn := f.Bool("metrics", true, "serve Prometheus metrics at /metrics")
	keyRotation := f.Duration("key-rotation", server.DefaultKeyRotation, "replace signing keys older than this (e.g. 2160h); 0 keeps them")
	var origins list
	f.Var(&origins, "webauthn-origin", "a further origin allowed to run passkey ceremonies (repeatable)")
	pk := addPasskeyFlags(f)
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	logger, err := newLogger(env, *logFormat, *logLevel)
	if err != nil {
		return env.fail(err)
	}
	policy, signup, err := pk.resolve()
	if err != nil {
		return env.fail(err)
	}
	var mailer login.Mailer
	if *pk.smtpURL != "" {
		smtp, err := mail.NewSMTP(*pk.smtpURL)
		if err == nil {
			err = smtp.Check() // e.g. no sender address
		}
		if err != nil {
			return env.fail(err)
		}
		mailer = smtp
	} else if signup.Open {
		logger.Warn("sign-up is open but no --smtp-url is set: sign-up codes are written to this log instead of being mailed")
	}
	if err := checkIssuer(*issuer, logger); err != nil {
		return env.fail(err)
	}

	st, key, source, err := db.openWithKey(ctx, *masterKey)
	if err != nil {
		return env.fail(err)
	}
	defer st.Close()
	logger.Info("store ready", slog.String("store", storeName(db)), slog.String("master_key", source))

	srv, err := server.New(ctx, server.Config{
		Issuer:         *issuer,
		MasterKey:      key,
		Store:          st,
		Logger:         logger,
		RPName:         *rpName,
		ExtraOrigins:   origins,
		KeyRotation:    rotationPeriod(*keyRotation),
		Policy:         policy,
		Signup:         signup,
		Mailer:         mailer,
		RelatedOrigins: pk.relatedOrigins,
		NoMetrics:      !*metricsOn,
	})
	if err != nil {
		return env.fail(err)
	}
	if link, ok, err := srv.Admin.SetupLink(ctx); err != nil {
		return env.fail(err)
	} else if ok {
		logger.Warn("no users yet: open this one-time link to create the first administrator's passkey", slog.String("setup_url", link))
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return env.fail(fmt.Errorf("listen on %s: %w", *listen, err))
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go srv.RunJanitor(ctx, 5*time.Minute)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("latchkey is serving", slog.String("issuer", *issuer), slog.String("listen", ln.Addr().String()))

	select {
	case err := <-errc:
		return env.fail(err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return env.fail(err)
	}
	srv.Provider.Wait() // back-channel logout deliveries in flight
	return 0
}

// rotationPeriod maps the flag's 0 ("never") to the server's negative.
func rotationPeriod(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// checkIssuer refuses an issuer that is not a clean absolute URL and warns
// about plain http anywhere but on this machine.
func checkIssuer(issuer string, logger *slog.Logger) error {
	u, err := url.Parse(issuer)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--issuer %q must be an absolute http(s) URL without query or fragment", issuer)
	}
	if u.Scheme == "http" && !validate.IsLoopbackHost(u.Hostname()) {
		logger.Warn("the issuer uses plain http on a host that is not loopback: passkeys and tokens need https in production", slog.String("issuer", issuer))
	}
	return nil
}

func storeName(db *dbFlags) string {
	if db.postgres() {
		return "postgresql"
	}
	return "sqlite " + db.sqlitePath()
}
