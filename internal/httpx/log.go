package httpx

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/latchkey-id/latchkey/internal/secrets"
)

// RequestIDHeader is the header that carries the request id, both ways.
const RequestIDHeader = "X-Request-ID"

type requestIDKey struct{}

// RequestID gives every request an id: the one a trusted front proxy sent in
// X-Request-ID when it is short and plain (so that it cannot forge log
// lines), else a fresh random one. The id is put in the context and echoed
// in the response header, so a person can report it and an operator can
// find the request's log lines.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !plainID(id) {
			id = secrets.ID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(WithRequestID(r.Context(), id)))
	})
}

// WithRequestID returns a context that carries id as the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Logger returns l (slog.Default() when nil) with the request id of ctx
// attached, so every line a handler logs can be joined with its access log.
func Logger(ctx context.Context, l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	if id := RequestIDFrom(ctx); id != "" {
		return l.With(slog.String("request_id", id))
	}
	return l
}

// ContextHandler wraps a slog.Handler so that records logged with a context
// (logger.InfoContext(ctx, …)) carry that context's request id.
type ContextHandler struct{ slog.Handler }

// Handle adds the request id of ctx, if any, and passes the record on.
func (h ContextHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestIDFrom(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return ContextHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h ContextHandler) WithGroup(name string) slog.Handler {
	return ContextHandler{h.Handler.WithGroup(name)}
}

// AccessLog logs one line per request when it ends: method, path, status,
// bytes written, duration, request id and client IP. The query string is
// never logged: on this server it carries codes, tokens and ids.
func AccessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			defer func() {
				status := ww.Status()
				if status == 0 {
					status = http.StatusOK
				}
				logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.Int("status", status),
					slog.Int("bytes", ww.BytesWritten()),
					slog.Duration("duration", time.Since(start)),
					slog.String("request_id", RequestIDFrom(r.Context())),
					slog.String("client_ip", ClientIP(r)),
				)
			}()
			next.ServeHTTP(ww, r)
		})
	}
}

// ClientIP returns the client address chi's client-IP middleware found (when
// the server installed one that trusts its proxies), else the peer address
// of the connection.
func ClientIP(r *http.Request) string {
	if ip := middleware.GetClientIP(r.Context()); ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// plainID reports whether a client-sent request id is safe to adopt:
// 1–64 characters from [A-Za-z0-9._-].
func plainID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
