package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/latchkey-id/latchkey/internal/httpx"
)

// newLogger builds the process logger; it is the only place that sets the
// slog default (zitadel's op logs through it).
func newLogger(env *environment, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch strings.ToLower(format) {
	case "text":
		h = slog.NewTextHandler(env.stderr, opts)
	case "json":
		h = slog.NewJSONHandler(env.stderr, opts)
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
	logger := slog.New(httpx.ContextHandler{Handler: h})
	slog.SetDefault(logger)
	return logger, nil
}
