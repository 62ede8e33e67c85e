package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// internals are strings that must never reach a client.
var internals = []string{"sql", "goroutine", ".go:", "pgx", "postgres", "panic", "secret cause"}

func testLogger(t *testing.T) (*slog.Logger, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

func decodeErrorBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not a JSON object of strings: %v", rec.Body.String(), err)
	}
	return body
}

func TestJSONMapsErrorsWithoutLeakingInternals(t *testing.T) {
	cause := errors.New(`secret cause: sql: no rows in result set; pgx postgres; goroutine 7 [running]: main.go:12`)
	tests := []struct {
		name       string
		handler    func(http.ResponseWriter, *http.Request) error
		wantStatus int
		wantCode   string
		wantDesc   string
	}{
		{
			name: "a typed client error keeps its status, code and description",
			handler: func(http.ResponseWriter, *http.Request) error {
				return BadRequest("invalid_request", "Bad thing.").WithCause(cause)
			},
			wantStatus: 400, wantCode: "invalid_request", wantDesc: "Bad thing.",
		},
		{
			name: "a wrapped typed error is found through the wrapping",
			handler: func(http.ResponseWriter, *http.Request) error {
				return fmt.Errorf("context: %w", Gone("sign_in_expired", "Expired."))
			},
			wantStatus: 410, wantCode: "sign_in_expired", wantDesc: "Expired.",
		},
		{
			name:       "an unknown error becomes a generic 500",
			handler:    func(http.ResponseWriter, *http.Request) error { return cause },
			wantStatus: 500, wantCode: "server_error", wantDesc: "Something went wrong.",
		},
		{
			name: "a typed 5xx never shows its own description",
			handler: func(http.ResponseWriter, *http.Request) error {
				return NewError(503, "db_down", "secret cause: postgres is down").WithCause(cause)
			},
			wantStatus: 503, wantCode: "server_error", wantDesc: "Something went wrong.",
		},
		{
			name:       "a panic becomes a generic 500",
			handler:    func(http.ResponseWriter, *http.Request) error { panic(cause) },
			wantStatus: 500, wantCode: "server_error", wantDesc: "Something went wrong.",
		},
		{
			name:       "an Internal error shows the generic description",
			handler:    func(http.ResponseWriter, *http.Request) error { return Internal(cause) },
			wantStatus: 500, wantCode: "server_error", wantDesc: "Something went wrong.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := testLogger(t)
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/x", nil)
			req = req.WithContext(WithRequestID(req.Context(), "req-123"))
			JSON(logger, tt.handler).ServeHTTP(rec, req)

			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			body := decodeErrorBody(t, rec)
			if body["error"] != tt.wantCode || body["error_description"] != tt.wantDesc {
				t.Errorf("body = %v, want error %q description %q", body, tt.wantCode, tt.wantDesc)
			}
			for _, s := range internals {
				if strings.Contains(strings.ToLower(rec.Body.String()), s) {
					t.Errorf("body %q contains %q", rec.Body.String(), s)
				}
			}
			if tt.wantStatus >= 500 && !strings.Contains(logs.String(), `"request_id":"req-123"`) {
				t.Errorf("a 500 is not logged with its request id: %s", logs.String())
			}
		})
	}
}

func TestJSONDoesNotWriteTwice(t *testing.T) {
	logger, _ := testLogger(t)
	rec := httptest.NewRecorder()
	JSON(logger, func(w http.ResponseWriter, r *http.Request) error {
		WriteJSON(w, http.StatusCreated, map[string]string{"ok": "yes"})
		return errors.New("late failure")
	}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusCreated || strings.TrimSpace(rec.Body.String()) != `{"ok":"yes"}` {
		t.Fatalf("got %d %q, want the handler's own answer only", rec.Code, rec.Body.String())
	}
}

func TestWriteJSONMarshalsBeforeWritingTheHeader(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusOK, map[string]any{"f": func() {}})
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500 for a value that cannot be marshalled", rec.Code)
	}
	if body := decodeErrorBody(t, rec); body["error"] != "server_error" {
		t.Fatalf("body = %v", body)
	}
}

func TestDecodeJSON(t *testing.T) {
	type target struct {
		A string `json:"a"`
	}
	big := `{"a":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	tests := []struct {
		name        string
		contentType string
		body        string
		optional    bool
		wantStatus  int // 0: success
		wantA       string
	}{
		{name: "a JSON object decodes", contentType: "application/json", body: `{"a":"b"}`, wantA: "b"},
		{name: "content type parameters are allowed", contentType: "application/json; charset=utf-8", body: `{"a":"b"}`, wantA: "b"},
		{name: "unknown fields are ignored", contentType: "application/json", body: `{"a":"b","z":1}`, wantA: "b"},
		{name: "a missing content type is 415", body: `{"a":"b"}`, wantStatus: 415},
		{name: "a form content type is 415", contentType: "application/x-www-form-urlencoded", body: `a=b`, wantStatus: 415},
		{name: "text/plain is 415", contentType: "text/plain", body: `{"a":"b"}`, wantStatus: 415},
		{name: "a body over 64 KiB is 413", contentType: "application/json", body: big, wantStatus: 413},
		{name: "malformed JSON is 400", contentType: "application/json", body: `{"a":`, wantStatus: 400},
		{name: "a wrong type is 400", contentType: "application/json", body: `{"a":1}`, wantStatus: 400},
		{name: "trailing data is 400", contentType: "application/json", body: `{"a":"b"} {"a":"c"}`, wantStatus: 400},
		{name: "trailing garbage is 400", contentType: "application/json", body: `{"a":"b"}x`, wantStatus: 400},
		{name: "an empty body is 400", contentType: "application/json", body: ``, wantStatus: 400},
		{name: "optional: an empty body needs no content type", body: ``, optional: true},
		{name: "optional: white space counts as empty", body: " \n", optional: true},
		{name: "optional: a body still needs the content type", body: `{"a":"b"}`, optional: true, wantStatus: 415},
		{name: "optional: a body decodes", contentType: "application/json", body: `{"a":"b"}`, optional: true, wantA: "b"},
		{name: "optional: a body over 64 KiB is 413", contentType: "application/json", body: big, optional: true, wantStatus: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			var v target
			var err error
			if tt.optional {
				err = DecodeOptionalJSON(httptest.NewRecorder(), req, &v)
			} else {
				err = DecodeJSON(httptest.NewRecorder(), req, &v)
			}
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				if v.A != tt.wantA {
					t.Fatalf("A = %q, want %q", v.A, tt.wantA)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Status != tt.wantStatus || e.Code != "invalid_request" {
				t.Fatalf("got %d %s, want %d invalid_request", e.Status, e.Code, tt.wantStatus)
			}
			for _, s := range []string{"json:", "http:", "unexpected", ".go:"} {
				if strings.Contains(e.Description, s) {
					t.Errorf("description %q leaks %q", e.Description, s)
				}
			}
		})
	}
}

// FuzzDecodeJSON: any body decodes or fails with a 4xx *Error; never a
// panic, never a 5xx.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":`, `[]`, `null`, `{"a":"b"}x`, "\x00", `{"a":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		var v struct {
			A string `json:"a"`
			B []int  `json:"b"`
		}
		err := DecodeJSON(httptest.NewRecorder(), req, &v)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 {
			t.Fatalf("err = %v, want a 4xx *Error", err)
		}
	})
}
