package server

import (
	"context"
	"log/slog"
	"time"
)

// RunJanitor removes expired rows (ceremonies, auth requests, codes,
// tokens, sessions, links) and rotates signing keys that are due, every
// interval until ctx ends. Expired rows are never returned anyway; this
// only keeps tables small. Every replica may run it: the deletes are
// idempotent and a rotation another replica won is adopted.
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
			s.rotateKeys(ctx)
		}
	}
}

// rotateKeys replaces every signing key older than the rotation period.
func (s *Server) rotateKeys(ctx context.Context) {
	period := s.cfg.KeyRotation
	if period == 0 {
		period = DefaultKeyRotation
	}
	if period < 0 {
		return
	}
	for _, alg := range SigningAlgorithms {
		rotated, err := s.Keys.RotateIfOlder(ctx, alg, period, RetiredKeyPublication)
		if err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("janitor: rotate signing key", slog.String("alg", string(alg)), slog.Any("error", err))
		} else if rotated {
			s.cfg.Logger.Info("signing key rotated", slog.String("alg", string(alg)))
		}
	}
}
