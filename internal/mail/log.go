package mail

import (
	"context"
	"log/slog"
)

// Log is the mailer of an install without SMTP: it writes each message to
// the log at WARN, where the operator (who then relays sign-up codes by
// hand, or configures SMTP) sees it. serve says at start that mail goes to
// the log.
type Log struct {
	Logger *slog.Logger
}

var _ Mailer = (*Log)(nil)

// Send logs the message; it fails only for a message that could not be sent
// by SMTP either, so that both mailers refuse the same input.
func (l *Log) Send(ctx context.Context, m Message) error {
	if err := m.check(); err != nil {
		return err
	}
	logger := l.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.WarnContext(ctx, "email not sent: no SMTP server is configured (LATCHKEY_SMTP_URL); here it is",
		slog.String("to", m.To), slog.String("subject", m.Subject), slog.String("text", m.Text))
	return nil
}
