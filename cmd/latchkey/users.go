package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/storage"
)

func usersCmd(ctx context.Context, env *environment, args []string) int {
	return subcommand(env, "users", args, map[string]func([]string) int{
		"create": func(args []string) int { return usersCreate(ctx, env, args) },
		"list":   func(args []string) int { return usersList(ctx, env, args) },
		"delete": func(args []string) int { return usersDelete(ctx, env, args) },
		"reset-passkeys": func(args []string) int {
			return usersResetPasskeys(ctx, env, args)
		},
	})
}

// adminFlags are the flags of every administrative command.
type adminFlags struct {
	db     *dbFlags
	issuer *string
	json   *bool
}

func addAdminFlags(f *flags) adminFlags {
	return adminFlags{
		db:     addDBFlags(f),
		issuer: f.String("issuer", "http://localhost:8080", "public URL of the provider (links are built under it)"),
		json:   f.Bool("json", false, "print the result as one JSON object"),
	}
}

// result is what an administrative command prints: out as one JSON object
// with --json, else text for people.
type result struct {
	out  any
	text func(w io.Writer)
}

// run opens the store, runs one administrative action and prints its
// result; a failure is one line on stderr.
func (a adminFlags) run(ctx context.Context, env *environment, action func(*admin.Service) (result, error)) int {
	st, err := a.db.open(ctx)
	if err != nil {
		return env.fail(err)
	}
	defer st.Close()
	res, err := action(&admin.Service{Store: st, Issuer: *a.issuer})
	if err != nil {
		return env.fail(err)
	}
	if *a.json {
		printJSON(env.stdout, res.out)
	} else {
		res.text(env.stdout)
	}
	return 0
}

type userJSON struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	Name          string `json:"name"`
	EmailVerified bool   `json:"email_verified"`
	Admin         bool   `json:"admin"`
	CreatedAt     string `json:"created_at"`
	EnrollmentURL string `json:"enrollment_url,omitempty"`
}

func toUserJSON(u storage.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, EmailVerified: u.EmailVerified, Admin: u.Admin, CreatedAt: rfc3339(u.CreatedAt)}
}

func usersCreate(ctx context.Context, env *environment, args []string) int {
	f := newFlags("users create", env)
	a := addAdminFlags(f)
	email := f.String("email", "", "the person's email (required)")
	name := f.String("name", "", "the person's name (required)")
	isAdmin := f.Bool("admin", false, "make the person an administrator")
	unverified := f.Bool("email-unverified", false, "mark the email as not verified (email_verified=false)")
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	return a.run(ctx, env, func(svc *admin.Service) (result, error) {
		created, err := svc.CreateUser(ctx, admin.NewUser{Email: *email, Name: *name, Admin: *isAdmin, EmailUnverified: *unverified})
		if err != nil {
			return result{}, err
		}
		out := toUserJSON(created.User)
		out.EnrollmentURL = created.EnrollmentURL
		return result{out, func(w io.Writer) {
			fmt.Fprintf(w, "created user %s (%s)\nsend them this one-time link to create their passkey:\n%s\n", out.ID, out.Email, out.EnrollmentURL)
		}}, nil
	})
}

func usersList(ctx context.Context, env *environment, args []string) int {
	f := newFlags("users list", env)
	a := addAdminFlags(f)
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	return a.run(ctx, env, func(svc *admin.Service) (result, error) {
		users, err := svc.ListUsers(ctx)
		if err != nil {
			return result{}, err
		}
		out := make([]userJSON, 0, len(users))
		rows := make([][]string, 0, len(users))
		for _, u := range users {
			j := toUserJSON(u)
			out = append(out, j)
			rows = append(rows, []string{j.ID, j.Email, j.Name, fmt.Sprint(j.Admin), j.CreatedAt})
		}
		return result{map[string]any{"users": out}, func(w io.Writer) {
			printTable(w, []string{"ID", "EMAIL", "NAME", "ADMIN", "CREATED"}, rows)
		}}, nil
	})
}

func usersDelete(ctx context.Context, env *environment, args []string) int {
	f := newFlags("users delete", env)
	a := addAdminFlags(f)
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	if len(f.args()) != 1 {
		return env.fail(errors.New("usage: latchkey users delete ID|EMAIL"))
	}
	return a.run(ctx, env, func(svc *admin.Service) (result, error) {
		u, err := svc.DeleteUser(ctx, f.args()[0])
		if err != nil {
			return result{}, err
		}
		return result{map[string]any{"deleted": u.ID, "email": u.Email}, func(w io.Writer) {
			fmt.Fprintf(w, "deleted user %s (%s) with their passkeys, sessions and tokens\n", u.ID, u.Email)
		}}, nil
	})
}

// usersResetPasskeys is the operator-assisted reset: the person lost every
// passkey and every recovery code. Their passkeys, sessions and recovery
// codes go, and a new one-time link enrolls a new first passkey.
func usersResetPasskeys(ctx context.Context, env *environment, args []string) int {
	f := newFlags("users reset-passkeys", env)
	a := addAdminFlags(f)
	email := f.String("email", "", "the person's email (or give their id or email as the argument)")
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	who := *email
	switch {
	case who == "" && len(f.args()) == 1:
		who = f.args()[0]
	case who == "" || len(f.args()) != 0:
		return env.fail(errors.New("usage: latchkey users reset-passkeys --email EMAIL (or ID|EMAIL)"))
	}
	return a.run(ctx, env, func(svc *admin.Service) (result, error) {
		reset, err := svc.ResetPasskeys(ctx, who)
		if err != nil {
			return result{}, err
		}
		return result{map[string]string{"id": reset.User.ID, "email": reset.User.Email, "enrollment_url": reset.EnrollmentURL}, func(w io.Writer) {
			fmt.Fprintf(w, "removed the passkeys, sessions, tokens and recovery codes of %s (%s)\nsend them this one-time link to create a new passkey:\n%s\n",
				reset.User.ID, reset.User.Email, reset.EnrollmentURL)
		}}, nil
	})
}
