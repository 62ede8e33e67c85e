package mail_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/mail"
	"github.com/latchkey-id/latchkey/internal/testsmtp"
)

func newMailer(t *testing.T, srv *testsmtp.Server) *mail.SMTP {
	t.Helper()
	m, err := mail.NewSMTP(srv.URL)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	if srv.RootCAs != nil {
		m.TLSConfig = &tls.Config{RootCAs: srv.RootCAs}
	}
	return m
}

func TestSMTPDeliversInEveryTLSMode(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ünïcode ", 40) // longer than a mail line may be
	for _, tc := range []struct {
		name    string
		opts    testsmtp.Options
		wantTLS bool
	}{
		{"plain, no auth (a loopback relay)", testsmtp.Options{TLS: testsmtp.Plain}, false},
		{"plain with AUTH to a loopback host", testsmtp.Options{TLS: testsmtp.Plain, Username: "ada", Password: "p@ss:word/1"}, false},
		{"STARTTLS with AUTH", testsmtp.Options{TLS: testsmtp.StartTLS, Username: "ada", Password: "s3cret"}, true},
		{"implicit TLS with AUTH", testsmtp.Options{TLS: testsmtp.Implicit, Username: "ada", Password: "s3cret"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testsmtp.Start(t, tc.opts)
			m := newMailer(t, srv)
			err := m.Send(context.Background(), mail.Message{To: "bob@example.com", Subject: "Your code: 123456 ✓", Text: "Hello,\n\n" + long + "\n.\nA line with a dot alone above.\n"})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Wait(t, "bob@example.com", 1)
			if got.TLS != tc.wantTLS {
				t.Errorf("TLS = %v, want %v", got.TLS, tc.wantTLS)
			}
			if got.From != "latchkey@example.com" || got.Subject != "Your code: 123456 ✓" {
				t.Errorf("from %q subject %q", got.From, got.Subject)
			}
			if !strings.Contains(got.Text, long) || !strings.Contains(got.Text, "\n.\nA line with a dot") {
				t.Errorf("body did not survive: %q", got.Text)
			}
			for k, want := range map[string]string{
				"From": `"Latchkey" <latchkey@example.com>`, "To": "bob@example.com", "MIME-Version": "1.0",
				"Content-Type": "text/plain; charset=utf-8", "Auto-Submitted": "auto-generated",
			} {
				if v := got.Header.Get(k); v != want {
					t.Errorf("header %s = %q, want %q", k, v, want)
				}
			}
			if !strings.HasSuffix(got.Header.Get("Message-ID"), "@example.com>") || got.Header.Get("Date") == "" {
				t.Errorf("Message-ID %q Date %q", got.Header.Get("Message-ID"), got.Header.Get("Date"))
			}
			for _, line := range bytes.Split(got.Raw, []byte("\r\n")) {
				if len(line) > 78 {
					t.Errorf("a line of %d bytes: %q", len(line), line)
				}
			}
		})
	}
}

func TestSMTPFailuresAreClearAndNeverShowThePassword(t *testing.T) {
	t.Parallel()
	const password = "hunter2-secret"
	msg := mail.Message{To: "bob@example.com", Subject: "s", Text: "t"}
	check := func(t *testing.T, err error, want string) {
		t.Helper()
		if err == nil {
			t.Fatal("Send succeeded")
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error %q shows the password", err)
		}
	}

	t.Run("a wrong password", func(t *testing.T) {
		t.Parallel()
		srv := testsmtp.Start(t, testsmtp.Options{TLS: testsmtp.StartTLS, Username: "ada", Password: "right"})
		m, err := mail.NewSMTP(strings.Replace(srv.URL, "ada:right", "ada:"+password, 1))
		if err != nil {
			t.Fatal(err)
		}
		m.TLSConfig = &tls.Config{RootCAs: srv.RootCAs}
		check(t, m.Send(context.Background(), msg), "AUTH")
	})
	t.Run("an untrusted certificate", func(t *testing.T) {
		t.Parallel()
		srv := testsmtp.Start(t, testsmtp.Options{TLS: testsmtp.StartTLS, Username: "ada", Password: password})
		m, err := mail.NewSMTP(srv.URL) // system roots: the test CA is unknown
		if err != nil {
			t.Fatal(err)
		}
		check(t, m.Send(context.Background(), msg), "certificate")
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages went through an unverified connection", n)
		}
	})
	t.Run("a server that is down", func(t *testing.T) {
		t.Parallel()
		srv := testsmtp.Start(t, testsmtp.Options{Username: "ada", Password: password})
		m := newMailer(t, srv)
		srv.Stop()
		check(t, m.Send(context.Background(), msg), "connect")
	})
	t.Run("a server that never answers", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() }) // hold it open, say nothing
			}
		}()
		m, err := mail.NewSMTP("smtp://ada:" + password + "@" + ln.Addr().String() + "?from=id@example.com")
		if err != nil {
			t.Fatal(err)
		}
		m.Timeout = 300 * time.Millisecond
		start := time.Now()
		check(t, m.Send(context.Background(), msg), "greeting")
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Send took %v with a 300ms timeout", d)
		}
		// A cancelled context ends it as well, without waiting for Timeout.
		m.Timeout = time.Minute
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start = time.Now()
		check(t, m.Send(ctx, msg), "greeting")
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Send took %v after its context ended", d)
		}
	})
}

func TestMessagesThatCouldInjectHeadersAreRefused(t *testing.T) {
	t.Parallel()
	srv := testsmtp.Start(t, testsmtp.Options{})
	m := newMailer(t, srv)
	logMailer := &mail.Log{Logger: slog.New(slog.DiscardHandler)}
	for _, msg := range []mail.Message{
		{To: "bob@example.com\r\nBcc: eve@example.com", Subject: "s"},
		{To: "Bob <bob@example.com>", Subject: "s"},
		{To: "not an address", Subject: "s"},
		{To: "bob@example.com", Subject: "s\r\nBcc: eve@example.com"},
		{To: "bob@example.com", Subject: strings.Repeat("s", 201)},
	} {
		if err := m.Send(context.Background(), msg); err == nil {
			t.Errorf("SMTP sent %+v", msg)
		}
		if err := logMailer.Send(context.Background(), msg); err == nil {
			t.Errorf("Log accepted %+v", msg)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages reached the server", n)
	}
}

func TestNewSMTPReadsTheURLAndHidesThePassword(t *testing.T) {
	t.Parallel()
	const password = "pa:ss/w@rd"
	m, err := mail.NewSMTP("smtp://ada%40example.com:pa%3Ass%2Fw%40rd@mail.example.com?from=Latchkey+%3Cid%40example.com%3E")
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "Latchkey <id@example.com>" || m.Check() != nil {
		t.Errorf("From = %q, Check = %v", m.From, m.Check())
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("mailer", "smtp", m)
	for _, shown := range []string{m.String(), fmt.Sprint(m), fmt.Sprintf("%+v", m), fmt.Sprintf("%#v", m), logged.String()} {
		if strings.Contains(shown, "ss/w") || strings.Contains(shown, "pa%3A") || strings.Contains(shown, "w%40rd") {
			t.Errorf("%q shows the password", shown)
		}
	}
	if got := m.String(); got != "smtp://ada%40example.com@mail.example.com:587" {
		t.Errorf("String() = %q", got)
	}
	if s, _ := mail.NewSMTP("smtps://mail.example.com"); s == nil || s.String() != "smtps://mail.example.com:465" {
		t.Errorf("smtps default port: %v", s)
	}
	if s, _ := mail.NewSMTP("smtp://mail.example.com"); s == nil || s.Check() == nil {
		t.Error("a mailer without a sender passed Check")
	}

	for _, bad := range []struct{ url, want string }{
		{"http://mail.example.com", "smtp:// or smtps://"},
		{"smtp://", "no host"},
		{"smtp://mail.example.com:99999", "invalid port"},
		{"smtp://mail.example.com/path", "path"},
		{"smtp://mail.example.com?form=id@example.com", `unknown parameter "form"`},
		{"smtp://mail.example.com?from=not-an-address", "sender"},
		{"smtp://ada:" + password + "%zz@mail.example.com", "not a valid URL"},
		{"smtp://ada:pa ss%@mail.example.com:x", "not a valid URL"},
		{"smtp://:" + "hunter2@mail.example.com", "no user name"},
	} {
		_, err := mail.NewSMTP(bad.url)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("NewSMTP(%q) = %v, want an error mentioning %q", bad.url, err, bad.want)
			continue
		}
		if strings.Contains(err.Error(), "pa:ss") || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "%zz") {
			t.Errorf("NewSMTP error %q quotes the URL", err)
		}
	}
}

func TestLogMailerLogsAtWarn(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	m := &mail.Log{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if err := m.Send(context.Background(), mail.Message{To: "bob@example.com", Subject: "Your code", Text: "123456"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"level=WARN", "to=bob@example.com", `subject="Your code"`, "text=123456", "LATCHKEY_SMTP_URL"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log %q lacks %s", buf.String(), want)
		}
	}
}
