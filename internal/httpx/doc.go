// Package httpx holds the small HTTP pieces Latchkey's own (non-OIDC)
// endpoints share: a typed error that carries a status, a client-safe code
// and description and the hidden cause; an adapter that turns
// func(w, r) error handlers into http.HandlerFuncs and maps their errors to
// JSON; strict JSON request decoding; security headers for Latchkey's pages;
// and request-id plus access-log middleware built on log/slog.
//
// The rule it enforces: nothing internal (driver errors, file paths, stack
// traces, the text of a cause) ever reaches a response body. Unknown errors
// become a generic 500 that is logged with the request id, so an operator can
// find the cause from the id a person reports.
package httpx
