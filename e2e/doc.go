// Package e2e holds Latchkey's end-to-end tests: a real server (package
// server, on PostgreSQL and on SQLite) over real HTTP, a relying party
// built on coreos/go-oidc and golang.org/x/oauth2, and a person with a
// software authenticator using the real sign-in endpoints.
package e2e
