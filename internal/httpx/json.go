package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
)

// MaxBodyBytes bounds every JSON request body DecodeJSON reads.
const MaxBodyBytes = 64 << 10

// JSON adapts a handler that returns an error into an http.HandlerFunc. A
// returned *Error (found with errors.As) is written as
// {"error": code, "error_description": description} with its status; any
// other error, and a panic, becomes a 500 with a generic description and is
// logged with the request id. A handler that already wrote its answer and
// then returns an error only gets the error logged.
func JSON(logger *slog.Logger, fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value, compared as net/http does
					panic(v)
				}
				Logger(r.Context(), logger).Error("handler panicked",
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if !tw.wrote {
					WriteError(tw, Internal(nil))
				}
			}
		}()
		err := fn(tw, r)
		if err == nil {
			return
		}
		e := Classify(err)
		log := Logger(r.Context(), logger)
		switch {
		case e.Status >= 500:
			log.Error("request failed", slog.String("error", err.Error()))
		case e.Err != nil:
			log.Info("request refused", slog.String("code", e.Code), slog.Int("status", e.Status), slog.String("cause", e.Err.Error()))
		default:
			log.Debug("request refused", slog.String("code", e.Code), slog.Int("status", e.Status))
		}
		if tw.wrote {
			return
		}
		WriteError(tw, e)
	}
}

// Classify returns the *Error inside err, or a 500 Error whose cause is err.
func Classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Status >= 400 && e.Status <= 599 {
		if e.Status >= 500 {
			// A 5xx never shows its own description: only the generic one.
			return &Error{Status: e.Status, Code: codeServerError, Description: descServerError, Err: err}
		}
		return e
	}
	return Internal(err)
}

// WriteError writes e as a JSON error body with its status.
func WriteError(w http.ResponseWriter, e *Error) {
	WriteJSON(w, e.Status, errorBody{Error: e.Code, Description: e.Description})
}

type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// WriteJSON marshals v and writes it with the status. The body is marshalled
// before the header is written, so a value that cannot be marshalled turns
// into a 500 rather than a half-written answer.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(errorBody{Error: codeServerError, Description: descServerError})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// DecodeJSON reads one JSON value from the request body into v. The request
// must say Content-Type: application/json (parameters allowed) or it is a
// 415; a body over MaxBodyBytes is a 413; a malformed body, or anything after
// the value, is a 400 invalid_request. Every failure is an *Error whose
// description is safe to show.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return unmarshalStrict(body, v)
}

// DecodeOptionalJSON is DecodeJSON for endpoints that also take an empty
// body (the same as {}): an empty body needs no content type and leaves v
// untouched.
func DecodeOptionalJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := requireJSON(r); err != nil {
		return err
	}
	return unmarshalStrict(body, v)
}

func requireJSON(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return NewError(http.StatusUnsupportedMediaType, "invalid_request", "The request body must be JSON (Content-Type: application/json).")
	}
	return nil
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, NewError(http.StatusRequestEntityTooLarge, "invalid_request", "The request body is too large.").WithCause(err)
		}
		return nil, BadRequest("invalid_request", "The request body could not be read.").WithCause(err)
	}
	return body, nil
}

func unmarshalStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return BadRequest("invalid_request", "The request body is not valid JSON of the expected shape.").WithCause(err)
	}
	// Exactly one value: trailing data means the client and server disagree
	// about what was sent, which is safer refused than half-read.
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		return BadRequest("invalid_request", "The request body has data after the JSON value.")
	}
	return nil
}

// trackingWriter remembers whether anything was written, so the adapter does
// not write an error body after a handler already answered.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(status int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(status)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
