package main

import (
	"context"
	"errors"
	"fmt"
)

func backupCmd(ctx context.Context, env *environment, args []string) int {
	f := newFlags("backup", env)
	db := addDBFlags(f)
	to := f.String("to", "", "file to write the copy to (must not exist)")
	asJSON := f.Bool("json", false, "print the result as JSON")
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	if *to == "" {
		return env.fail(errors.New("--to FILE is required"))
	}
	if db.postgres() {
		return env.fail(errors.New("backup copies the embedded SQLite store; for PostgreSQL use pg_dump (see README)"))
	}
	st, err := db.open(ctx)
	if err != nil {
		return env.fail(err)
	}
	defer st.Close()
	if err := st.sqlite.Backup(ctx, *to); err != nil {
		return env.fail(err)
	}
	if *asJSON {
		printJSON(env.stdout, map[string]any{"backup": *to})
	} else {
		fmt.Fprintf(env.stdout, "wrote a consistent copy of %s to %s\n", db.sqlitePath(), *to)
	}
	return 0
}
