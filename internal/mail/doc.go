// Package mail sends Latchkey's few emails (the sign-up code, "you already
// have an account") through an SMTP server, or — when none is configured —
// writes them to the log so that a single-binary install still works.
//
// Messages are plain text, UTF-8, quoted-printable. The SMTP mailer speaks
// to one submission server named by a URL:
//
//	smtp://user:pass@host:587?from=Latchkey%20%3Cid@example.com%3E   (STARTTLS when offered)
//	smtps://user:pass@host:465?from=id@example.com                   (implicit TLS, RFC 8314)
//
// Credentials are only ever sent over TLS (or to a loopback host), and
// never appear in logs, errors or the mailer's String form.
package mail
