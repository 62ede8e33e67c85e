package server

import (
	"context"
	"log/slog"
	"time"
)

// RunJanitor removes expired rows (ceremonies, auth requests, codes,
// tokens, sessions, links) every interval until ctx ends. Expired rows are
// never returned anyway; this only keeps tables small. Every replica may
// run it: the deletes are idempotent.
func (s *Server) RunJanitor(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.cfg.Store.DeleteExpired(ctx)
			if err != nil && ctx.Err() == nil {
				s.cfg.Logger.Warn("janitor: delete expired rows", slog.Any("error", err))
			} else if n > 0 {
				s.cfg.Logger.Debug("janitor: deleted expired rows", slog.Int64("rows", n))
			}
		}
	}
}
