package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// environment is what a command reads and writes besides its flags.
type environment struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// fail prints one line and returns the failure exit code.
func (e *environment) fail(err error) int {
	fmt.Fprintf(e.stderr, "latchkey: %s\n", oneLine(err.Error()))
	return 1
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// flags is a flag set whose flags fall back to LATCHKEY_* environment
// variables, and for secrets to LATCHKEY_*_FILE.
type flags struct {
	*flag.FlagSet
	secrets map[string]bool
	// positional holds the arguments that are not flags, wherever they
	// stood ("clients delete ID --json" works like "--json ID").
	positional []string
}

func newFlags(name string, env *environment) *flags {
	fs := flag.NewFlagSet("latchkey "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return &flags{FlagSet: fs, secrets: map[string]bool{}}
}

// secret marks a flag whose value may come from a file.
func (f *flags) secret(name string) { f.secrets[name] = true }

// envName is the environment twin of a flag: --data-dir → LATCHKEY_DATA_DIR.
func envName(flagName string) string {
	return "LATCHKEY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse reads the command line, then fills every flag not given there from
// its environment twin. It returns a usage exit code (2) or -1 to go on.
func (f *flags) parse(env *environment, args []string) int {
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		rest := f.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			f.positional = append(f.positional, rest[1:]...)
			break
		}
		f.positional = append(f.positional, rest[0])
		args = rest[1:]
	}
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	var bad error
	f.VisitAll(func(fl *flag.Flag) {
		if set[fl.Name] || bad != nil {
			return
		}
		name := envName(fl.Name)
		v := env.getenv(name)
		if v == "" && f.secrets[fl.Name] {
			if path := env.getenv(name + "_FILE"); path != "" {
				b, err := os.ReadFile(path)
				if err != nil {
					bad = fmt.Errorf("%s_FILE: %w", name, err)
					return
				}
				v = strings.TrimSpace(string(b))
			}
		}
		if v == "" {
			return
		}
		values := []string{v}
		if _, ok := fl.Value.(*list); ok {
			values = strings.Split(v, ",")
		}
		for _, v := range values {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if err := fl.Value.Set(v); err != nil {
				bad = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if bad != nil {
		env.fail(bad)
		return 2
	}
	return -1
}

// args returns the positional arguments.
func (f *flags) args() []string { return f.positional }

// list is a repeatable flag; its environment twin holds a comma-separated
// list (on the command line a value may contain commas).
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }

func (l *list) Set(v string) error {
	*l = append(*l, v)
	return nil
}
