// Command latchkey is the one Latchkey binary: the server and the
// administrator's tools.
//
//	latchkey serve
//	latchkey migrate
//	latchkey clients create|list|delete
//	latchkey users create|list|delete|reset-passkeys
//	latchkey keys list|rotate
//	latchkey backup --to FILE
//
// Every flag has an environment twin: --database-url is
// LATCHKEY_DATABASE_URL, and secrets also take a file (LATCHKEY_MASTER_KEY_FILE).
// This package parses flags and calls the packages that do the work.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run executes one command and returns the exit code: 0 on success, 1 on
// failure (one line on stderr), 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	env := &environment{stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "latchkey: unknown command %q\n%s", args[0], usage)
		return 2
	}
	return cmd(ctx, env, args[1:])
}

const usage = `usage: latchkey <command> [flags]

commands:
  serve                    run the OpenID provider
  migrate                  apply database migrations
  clients create|list|delete   manage client applications
  users create|list|delete|reset-passkeys
                           manage people
  keys list|rotate         show or rotate the token signing keys
  backup --to FILE         copy the embedded SQLite store

Run "latchkey <command> -h" for a command's flags. Every flag has an
environment twin: --database-url is LATCHKEY_DATABASE_URL.
`

var commands = map[string]func(context.Context, *environment, []string) int{
	"serve":   serveCmd,
	"migrate": migrateCmd,
	"clients": clientsCmd,
	"users":   usersCmd,
	"backup":  backupCmd,
	"keys":    keysCmd,
}
