package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
)

// Message is one plain-text email to one person.
type Message struct {
	// To is a plain address (no display name).
	To      string
	Subject string
	// Text is the body; line breaks may be "\n" or "\r\n".
	Text string
}

// Mailer sends messages. It is what callers depend on (they may declare
// their own, smaller interface with the same method).
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// maxSubjectLength keeps a subject on one reasonable header line.
const maxSubjectLength = 200

// check refuses what could break out of its header (CR, LF: header
// injection) or is not a deliverable plain address.
func (m Message) check() error {
	a, err := netmail.ParseAddress(m.To)
	if err != nil || a.Address != m.To || a.Name != "" {
		return errors.New("mail: the recipient is not a plain email address")
	}
	if strings.ContainsAny(m.Subject, "\r\n") || len(m.Subject) > maxSubjectLength {
		return errors.New("mail: the subject holds a line break or is too long")
	}
	return nil
}

// compose writes the message as RFC 5322 text with CRLF line ends: the
// headers a mail server and an inbox expect, the subject MIME-encoded
// (RFC 2047) when it is not plain ASCII, and the body quoted-printable
// so any UTF-8 text and any line length survive transport.
func compose(from *netmail.Address, m Message, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", m.To)
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+secrets.ID()+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: a machine wrote this; autoresponders must not answer it.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(m.Text, "\r\n", "\n")
	if _, err := qp.Write([]byte(text)); err != nil {
		return nil, fmt.Errorf("mail: encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("mail: encode body: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}
