// Package storage declares the one interface Latchkey keeps its state behind,
// and the plain domain types that cross it.
//
// Everything a sign-in needs lives in the store, never only in process memory,
// so that several `latchkey serve` replicas on one database can serve the same
// person alternately: users, passkeys, WebAuthn ceremonies, enrollment tokens,
// clients, authorization requests, codes, tokens, browser sessions and
// signing keys.
//
// The package knows no protocol, page or key format. Secrets arrive already
// hashed (SHA-256 of a high-entropy value) and signing keys already encrypted;
// the store only keeps bytes. Backends live in sub-packages (postgres, sqlite)
// and each passes the same behavioural suite in storagetest.
//
// Rules every backend keeps:
//   - Every method is one transaction: it either happens whole or not at all.
//   - Single-use things (codes, refresh tokens, ceremonies, enrollment tokens)
//     are consumed by one conditional statement, so of many concurrent callers
//     exactly one wins and the others get ErrNotFound.
//   - Rows past their expiry are never returned; the backend's clock (Options.Now)
//     decides, so tests can move time.
//   - Times come back in UTC, truncated to microseconds.
//   - Unknown ids answer ErrNotFound, unique violations ErrAlreadyExists,
//     lost compare-and-swap races ErrConflict; no driver error leaks as such.
package storage
