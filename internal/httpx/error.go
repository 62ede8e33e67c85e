package httpx

import (
	"fmt"
	"net/http"
)

// Error is an error that knows how to present itself to a client: an HTTP
// status, a machine-readable code and a description that is safe to show.
// Err is the cause; it is logged, never sent.
type Error struct {
	Status      int
	Code        string
	Description string
	Err         error
}

// Error reports the code, the description and the cause, for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s (%d): %s: %v", e.Code, e.Status, e.Description, e.Err)
	}
	return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Description)
}

// Unwrap returns the cause, so errors.Is and errors.As see through an Error.
func (e *Error) Unwrap() error { return e.Err }

// WithCause returns a copy of e that carries err as its cause.
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// NewError returns an Error with the given status, code and description.
func NewError(status int, code, description string) *Error {
	return &Error{Status: status, Code: code, Description: description}
}

// BadRequest is a 400 answer.
func BadRequest(code, description string) *Error {
	return NewError(http.StatusBadRequest, code, description)
}

// Forbidden is a 403 answer.
func Forbidden(code, description string) *Error {
	return NewError(http.StatusForbidden, code, description)
}

// NotFound is a 404 answer.
func NotFound(code, description string) *Error {
	return NewError(http.StatusNotFound, code, description)
}

// Conflict is a 409 answer.
func Conflict(code, description string) *Error {
	return NewError(http.StatusConflict, code, description)
}

// Gone is a 410 answer: the thing existed but is expired or used up.
func Gone(code, description string) *Error {
	return NewError(http.StatusGone, code, description)
}

// Internal wraps an unexpected failure. Its description is the generic one
// every 500 carries; the cause is only logged.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: codeServerError, Description: descServerError, Err: err}
}

const (
	codeServerError = "server_error"
	descServerError = "Something went wrong."
)
