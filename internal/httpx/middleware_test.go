package httpx

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5/middleware"
)

func TestSecurityHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	SecurityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if strings.Contains(rec.Header().Get("Content-Security-Policy"), "unsafe-inline") {
		t.Error("CSP allows inline code")
	}
}

func TestNoStore(t *testing.T) {
	rec := httptest.NewRecorder()
	NoStore(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Fatalf("Cache-Control = %q", got)
	}
}

// accessLine runs one request through RequestID and AccessLog and returns
// the response and the one access-log record.
func accessLine(t *testing.T, req *http.Request, h http.HandlerFunc) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	logger, buf := testLogger(t)
	rec := httptest.NewRecorder()
	RequestID(AccessLog(logger)(h)).ServeHTTP(rec, req)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d log lines, want exactly one: %q", len(lines), buf.String())
	}
	var rec0 map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec0); err != nil {
		t.Fatal(err)
	}
	return rec, rec0
}

func TestAccessLogWritesOneLineWithoutTheQuery(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/authorize/callback?code=SECRETCODE&state=s", nil)
	req.RemoteAddr = "192.0.2.7:5555"
	rec, line := accessLine(t, req, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("12345"))
	})
	id := rec.Header().Get(RequestIDHeader)
	if len(id) != 22 {
		t.Fatalf("request id %q, want a fresh 22-character id", id)
	}
	want := map[string]any{
		"method": "POST", "path": "/authorize/callback", "status": float64(418), "bytes": float64(5),
		"request_id": id, "client_ip": "192.0.2.7",
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v", k, line[k], v)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Error("no duration")
	}
	raw, _ := json.Marshal(line)
	if strings.Contains(string(raw), "SECRETCODE") {
		t.Errorf("the access log contains the query string: %s", raw)
	}
}

func TestAccessLogCountsAnImplicit200(t *testing.T) {
	_, line := accessLine(t, httptest.NewRequest(http.MethodGet, "/", nil), func(w http.ResponseWriter, r *http.Request) {})
	if line["status"] != float64(200) {
		t.Fatalf("status = %v, want 200", line["status"])
	}
}

func TestRequestIDAdoptsOnlyPlainIDs(t *testing.T) {
	tests := []struct {
		name, sent string
		adopted    bool
	}{
		{"a plain id from a proxy is kept", "abc-DEF_123.4", true},
		{"an id with a newline is replaced", "abc\nlevel=ERROR", false},
		{"an id with spaces is replaced", "a b", false},
		{"an overlong id is replaced", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set(RequestIDHeader, tt.sent)
			var seen string
			rec := httptest.NewRecorder()
			RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = RequestIDFrom(r.Context())
			})).ServeHTTP(rec, req)
			if (seen == tt.sent) != tt.adopted {
				t.Fatalf("context id = %q for sent %q; adopted want %v", seen, tt.sent, tt.adopted)
			}
			if rec.Header().Get(RequestIDHeader) != seen || seen == "" {
				t.Fatalf("header %q, context %q", rec.Header().Get(RequestIDHeader), seen)
			}
		})
	}
}

func TestLoggersCarryTheRequestID(t *testing.T) {
	ctx := WithRequestID(context.Background(), "rid-1")

	logger, buf := testLogger(t)
	Logger(ctx, logger).Info("hello")
	if !strings.Contains(buf.String(), `"request_id":"rid-1"`) {
		t.Errorf("Logger: %s", buf.String())
	}

	buf.Reset()
	wrapped := slog.New(ContextHandler{slog.NewJSONHandler(buf, nil)}).With("k", "v")
	wrapped.InfoContext(ctx, "hello")
	if !strings.Contains(buf.String(), `"request_id":"rid-1"`) || !strings.Contains(buf.String(), `"k":"v"`) {
		t.Errorf("ContextHandler: %s", buf.String())
	}

	if Logger(context.Background(), nil) == nil {
		t.Error("Logger(nil) = nil, want slog.Default()")
	}
}

func TestClientIP(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "[2001:db8::1]:443"
	if got := ClientIP(req); got != "2001:db8::1" {
		t.Fatalf("without a client-IP middleware: ClientIP = %q, want the peer", got)
	}

	// Behind a trusted proxy, chi's middleware picks the client from
	// X-Forwarded-For and ClientIP uses its answer.
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "10.0.0.2:1234"
	req.Header.Set("X-Forwarded-For", "198.51.100.9")
	var got string
	middleware.ClientIPFromXFF("10.0.0.0/8")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = ClientIP(r)
	})).ServeHTTP(httptest.NewRecorder(), req)
	if got != "198.51.100.9" {
		t.Fatalf("behind a trusted proxy: ClientIP = %q, want 198.51.100.9", got)
	}
}
