package main

import (
	"context"
	"fmt"
)

func migrateCmd(ctx context.Context, env *environment, args []string) int {
	f := newFlags("migrate", env)
	db := addDBFlags(f)
	asJSON := f.Bool("json", false, "print the result as JSON")
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	st, err := db.open(ctx) // open applies pending migrations
	if err != nil {
		return env.fail(err)
	}
	defer st.Close()
	v, err := schemaVersion(ctx, st)
	if err != nil {
		return env.fail(err)
	}
	if *asJSON {
		printJSON(env.stdout, map[string]any{"schema_version": v})
	} else {
		fmt.Fprintf(env.stdout, "database schema is at version %d\n", v)
	}
	return 0
}

func schemaVersion(ctx context.Context, st *store) (int, error) {
	type versioned interface {
		SchemaVersion(context.Context) (int, error)
	}
	return st.Store.(versioned).SchemaVersion(ctx)
}
