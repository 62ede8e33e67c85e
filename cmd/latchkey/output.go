package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// printJSON writes one JSON object, the --json output of every command.
func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// printTable writes aligned columns for people.
func printTable(w io.Writer, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	_ = tw.Flush()
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// subcommand dispatches "clients create" and friends.
func subcommand(env *environment, group string, args []string, subs map[string]func([]string) int) int {
	if len(args) == 0 {
		fmt.Fprintf(env.stderr, "usage: latchkey %s %s\n", group, strings.Join(keysOf(subs), "|"))
		return 2
	}
	run, ok := subs[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "latchkey: unknown command %q; usage: latchkey %s %s\n", group+" "+args[0], group, strings.Join(keysOf(subs), "|"))
		return 2
	}
	return run(args[1:])
}

func keysOf(m map[string]func([]string) int) []string {
	order := []string{"create", "list", "delete", "reset-passkeys", "rotate"}
	var out []string
	for _, k := range order {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	return out
}
