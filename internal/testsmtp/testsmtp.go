// Package testsmtp is a real SMTP server for tests (github.com/emersion/go-smtp)
// that keeps every message it receives, so a test can read the mail a
// person would: plain, STARTTLS or implicit TLS, with or without AUTH PLAIN.
package testsmtp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLS modes of the server.
const (
	// Plain speaks SMTP without TLS (a loopback relay).
	Plain = iota
	// StartTLS offers STARTTLS (submission, port 587 style).
	StartTLS
	// Implicit speaks TLS from the first byte (smtps, port 465 style).
	Implicit
)

// Options shape the server.
type Options struct {
	// TLS is Plain, StartTLS or Implicit.
	TLS int
	// Username and Password, when set, make AUTH PLAIN mandatory.
	Username, Password string
}

// Message is one received message.
type Message struct {
	From string
	To   []string
	// Raw is the DATA as received.
	Raw     []byte
	Header  netmail.Header
	Subject string
	// Text is the body, quoted-printable decoded.
	Text string
	// TLS is whether the message came over an encrypted connection.
	TLS bool
}

// Server is a running SMTP server; it stops when the test ends.
type Server struct {
	// URL is an smtp:// or smtps:// URL for internal/mail, with the
	// credentials and ?from=latchkey@example.com.
	URL string
	// RootCAs trusts the server's certificate (TLS modes).
	RootCAs *x509.CertPool

	srv *smtp.Server
	ln  net.Listener
	mu  sync.Mutex
	got []Message
	// arrived is signalled (without blocking) whenever a message arrives.
	arrived chan struct{}
	stopped bool
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{server: s, opts: opts, conn: c}, nil
	}))
	s.srv.Domain = "localhost"
	// Clients hanging up early (the tests that stop the server) are normal.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 1 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	scheme := "smtp"
	switch opts.TLS {
	case Plain:
		// Only to a loopback host will net/smtp send a password in clear.
		s.srv.AllowInsecureAuth = true
	case StartTLS, Implicit:
		cfg, pool := selfSigned(t)
		s.srv.TLSConfig, s.RootCAs = cfg, pool
		if opts.TLS == Implicit {
			ln = tls.NewListener(ln, cfg)
			scheme = "smtps"
		}
	}
	u := url.URL{Scheme: scheme, Host: ln.Addr().String(), RawQuery: "from=" + url.QueryEscape("Latchkey <latchkey@example.com>")}
	if opts.Username != "" {
		u.User = url.UserPassword(opts.Username, opts.Password)
	}
	s.URL = u.String()
	s.ln = ln
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(s.Stop)
	return s
}

// Stop closes the listener and every connection: the server is down.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		s.stopped = true
		// Closing the listener too covers a Serve that has not started yet.
		_ = s.ln.Close()
		_ = s.srv.Close()
	}
}

// Messages returns every message received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.got...)
}

// MessagesTo returns the messages received so far for one recipient.
func (s *Server) MessagesTo(to string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, r := range m.To {
			if strings.EqualFold(r, to) {
				out = append(out, m)
			}
		}
	}
	return out
}

// Wait returns the n-th (1-based) message for a recipient, waiting up to
// ten seconds for it to arrive.
func (s *Server) Wait(t testing.TB, to string, n int) Message {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if got := s.MessagesTo(to); len(got) >= n {
			return got[n-1]
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("no message %d for %s within 10s (have %d)", n, to, len(s.MessagesTo(to)))
		}
	}
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	s.got = append(s.got, m)
	s.mu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
}

// session is one SMTP conversation.
type session struct {
	server *Server
	opts   Options
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string {
	if s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.opts.Username || pass != s.opts.Password {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.opts.Username != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	m := Message{From: s.from, To: s.to, Raw: raw, TLS: isTLS}
	parsed, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparsable message: " + err.Error()}
	}
	m.Header = parsed.Header
	m.Subject, err = new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "bad subject: " + err.Error()}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(parsed.Body))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "bad body: " + err.Error()}
	}
	m.Text = strings.ReplaceAll(string(body), "\r\n", "\n")
	s.server.add(m)
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

// selfSigned makes a certificate for localhost and 127.0.0.1 and a pool
// that trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "latchkey test smtp"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, pool
}

// TLSConfig is a client configuration that trusts the server (TLS modes);
// nil for a plain server.
func (s *Server) TLSConfig() *tls.Config {
	if s.RootCAs == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}
}
