package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds one whole SMTP exchange (connect to QUIT) when
// SMTP.Timeout is zero: a person is waiting for the answer.
const DefaultTimeout = 10 * time.Second

// SMTP sends each message over its own connection to one submission
// server (RFC 6409). Build it with NewSMTP; the exported fields may be
// changed before first use.
type SMTP struct {
	// From is the sender, an RFC 5322 address that may carry a display
	// name ("Latchkey <id@example.com>"). NewSMTP fills it from ?from=.
	From string
	// Timeout bounds one exchange; DefaultTimeout when zero.
	Timeout time.Duration
	// TLSConfig is used for implicit TLS and STARTTLS; nil means the
	// system's roots. Its ServerName defaults to the server's host.
	TLSConfig *tls.Config
	// HelloName is sent with EHLO; "localhost" when empty.
	HelloName string

	scheme, host, port string
	// Kept unexported so that no %v of the struct can print them.
	username, password string
}

var _ Mailer = (*SMTP)(nil)

// NewSMTP reads a submission server URL: smtp://[user[:pass]@]host[:port]
// (port 587 by default; STARTTLS whenever the server offers it) or
// smtps://… (port 465 by default; TLS from the first byte). The only query
// parameter is from, the sender address. Errors never quote the URL, which
// holds the password.
func NewSMTP(rawURL string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("mail: the SMTP URL is not a valid URL (percent-encode special characters in the user name and password)")
	}
	s := &SMTP{scheme: strings.ToLower(u.Scheme), host: u.Hostname(), port: u.Port()}
	switch s.scheme {
	case "smtp":
		if s.port == "" {
			s.port = "587"
		}
	case "smtps":
		if s.port == "" {
			s.port = "465"
		}
	default:
		return nil, errors.New("mail: the SMTP URL must start with smtp:// or smtps://")
	}
	if s.host == "" {
		return nil, errors.New("mail: the SMTP URL has no host")
	}
	if n, err := strconv.Atoi(s.port); err != nil || n < 1 || n > 65535 {
		return nil, errors.New("mail: the SMTP URL has an invalid port")
	}
	if (u.Path != "" && u.Path != "/") || u.Fragment != "" || u.Opaque != "" {
		return nil, errors.New("mail: the SMTP URL must not have a path or fragment")
	}
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
		if s.username == "" {
			return nil, errors.New("mail: the SMTP URL has a password but no user name")
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("mail: the SMTP URL has a malformed query")
	}
	for k := range q {
		if k != "from" {
			return nil, fmt.Errorf("mail: the SMTP URL has an unknown parameter %q (only from is known)", k)
		}
	}
	if from := q.Get("from"); from != "" {
		s.From = from
		if _, err := s.sender(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Check reports whether the mailer can send at all (it has a valid
// sender), so that a server can refuse to start with an unusable one.
func (s *SMTP) Check() error {
	_, err := s.sender()
	return err
}

// String names the server without the password, for logs.
func (s *SMTP) String() string {
	u := url.URL{Scheme: s.scheme, Host: net.JoinHostPort(s.host, s.port)}
	if s.username != "" {
		u.User = url.User(s.username)
	}
	return u.String()
}

// GoString keeps %#v from printing the password.
func (s *SMTP) GoString() string { return "mail.SMTP(" + s.String() + ")" }

// LogValue keeps slog from printing the password.
func (s *SMTP) LogValue() slog.Value { return slog.StringValue(s.String()) }

func (s *SMTP) sender() (*netmail.Address, error) {
	if s.From == "" {
		return nil, errors.New("mail: no sender address: add ?from=address to the SMTP URL")
	}
	a, err := netmail.ParseAddress(s.From)
	if err != nil || strings.ContainsAny(s.From, "\r\n") {
		return nil, errors.New("mail: the sender address is not a valid email address")
	}
	return a, nil
}

// Send delivers one message: connect (implicit TLS for smtps), EHLO,
// STARTTLS when offered, AUTH PLAIN when a user name is set (net/smtp
// refuses to send it unencrypted except to a loopback host), MAIL, RCPT,
// DATA, QUIT. The whole exchange ends by Timeout or when ctx ends.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	from, err := s.sender()
	if err != nil {
		return err
	}
	if err := m.check(); err != nil {
		return err
	}
	body, err := compose(from, m, time.Now())
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	conn, err := s.dial(ctx)
	if err != nil {
		return s.fail("connect", err)
	}
	defer conn.Close()
	// net/smtp knows no context: a deadline on the connection bounds every
	// read and write, and an ended ctx moves it to the past at once.
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return s.fail("greeting", err)
	}
	defer c.Close()
	return s.exchange(c, from.Address, m.To, body)
}

func (s *SMTP) exchange(c *smtp.Client, from, to string, body []byte) error {
	hello := s.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return s.fail("EHLO", err)
	}
	if s.scheme == "smtp" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return s.fail("STARTTLS", err)
			}
		}
	}
	if s.username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return s.fail("AUTH", errors.New("the server offers no authentication"))
		}
		if err := c.Auth(smtp.PlainAuth("", s.username, s.password, s.host)); err != nil {
			return s.fail("AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return s.fail("MAIL FROM", err)
	}
	if err := c.Rcpt(to); err != nil {
		return s.fail("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return s.fail("DATA", err)
	}
	if _, err := w.Write(body); err != nil {
		return s.fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return s.fail("DATA", err)
	}
	// The server accepted the message at the end of DATA; a failed QUIT
	// loses nothing.
	_ = c.Quit()
	return nil
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(s.host, s.port)
	if s.scheme == "smtps" {
		d := tls.Dialer{Config: s.tlsConfig()}
		return d.DialContext(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

func (s *SMTP) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.host
	}
	return cfg
}

// fail names the step and the server (never the password).
func (s *SMTP) fail(step string, err error) error {
	return fmt.Errorf("mail: %s: %s: %w", s.String(), step, err)
}
