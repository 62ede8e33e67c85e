// Package server assembles Latchkey from its parts — store, keys, the
// OpenID Provider, the login pages — into one http.Handler. It is the one
// visible place where everything is wired; cmd/latchkey parses flags and
// calls it, and tests start the very same server in-process.
package server
