package main

import (
	"context"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey-id/latchkey/keys"
	"github.com/latchkey-id/latchkey/server"
)

func keysCmd(ctx context.Context, env *environment, args []string) int {
	return subcommand(env, "keys", args, map[string]func([]string) int{
		"list":   func(args []string) int { return keysList(ctx, env, args) },
		"rotate": func(args []string) int { return keysRotate(ctx, env, args) },
	})
}

type keyJSON struct {
	ID        string `json:"kid"`
	Algorithm string `json:"alg"`
	CreatedAt string `json:"created_at"`
	RetiredAt string `json:"retired_at,omitempty"`
	ExpiresAt string `json:"published_until,omitempty"`
}

func keysList(ctx context.Context, env *environment, args []string) int {
	f := newFlags("keys list", env)
	db := addDBFlags(f)
	asJSON := f.Bool("json", false, "print the result as one JSON object")
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	st, err := db.open(ctx)
	if err != nil {
		return env.fail(err)
	}
	defer st.Close()
	rows, err := st.SigningKeys(ctx)
	if err != nil {
		return env.fail(err)
	}
	out := make([]keyJSON, 0, len(rows))
	table := make([][]string, 0, len(rows))
	for _, r := range rows {
		k := keyJSON{ID: r.ID, Algorithm: r.Algorithm, CreatedAt: rfc3339(r.CreatedAt)}
		state := "signing"
		if !r.RetiredAt.IsZero() {
			k.RetiredAt, state = rfc3339(r.RetiredAt), "retired"
		}
		if !r.ExpiresAt.IsZero() {
			k.ExpiresAt = rfc3339(r.ExpiresAt)
		}
		out = append(out, k)
		table = append(table, []string{k.ID, k.Algorithm, state, k.CreatedAt, k.ExpiresAt})
	}
	if *asJSON {
		printJSON(env.stdout, map[string]any{"keys": out})
	} else {
		printTable(env.stdout, []string{"KID", "ALG", "STATE", "CREATED", "PUBLISHED_UNTIL"}, table)
	}
	return 0
}

func keysRotate(ctx context.Context, env *environment, args []string) int {
	f := newFlags("keys rotate", env)
	db := addDBFlags(f)
	masterKey := f.String("master-key", "", "the master key (as for serve)")
	f.secret("master-key")
	alg := f.String("alg", "all", "algorithm to rotate: RS256, ES256 or all")
	asJSON := f.Bool("json", false, "print the result as one JSON object")
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	var algs []jose.SignatureAlgorithm
	switch *alg {
	case "all":
		algs = server.SigningAlgorithms
	case string(keys.RS256), string(keys.ES256):
		algs = []jose.SignatureAlgorithm{jose.SignatureAlgorithm(*alg)}
	default:
		return env.fail(fmt.Errorf("--alg %q: want RS256, ES256 or all", *alg))
	}
	st, key, _, err := db.openWithKey(ctx, *masterKey)
	if err != nil {
		return env.fail(err)
	}
	defer st.Close()
	km, err := keys.New(st, key, keys.Options{Algorithms: server.SigningAlgorithms})
	if err != nil {
		return env.fail(err)
	}
	if err := km.Ensure(ctx); err != nil {
		return env.fail(err)
	}
	rotated := map[string]string{}
	for _, a := range algs {
		id, err := km.Rotate(ctx, a, server.RetiredKeyPublication)
		if err != nil {
			return env.fail(err)
		}
		rotated[string(a)] = id
	}
	if *asJSON {
		printJSON(env.stdout, map[string]any{"rotated": rotated})
	} else {
		for a, id := range rotated {
			fmt.Fprintf(env.stdout, "%s: new key %s (signs within a minute; the old one stays published for %s)\n", a, id, server.RetiredKeyPublication)
		}
	}
	return 0
}
