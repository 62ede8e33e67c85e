package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/latchkey-id/latchkey/admin"
	"github.com/latchkey-id/latchkey/storage"
)

func clientsCmd(ctx context.Context, env *environment, args []string) int {
	return subcommand(env, "clients", args, map[string]func([]string) int{
		"create": func(args []string) int { return clientsCreate(ctx, env, args) },
		"list":   func(args []string) int { return clientsList(ctx, env, args) },
		"delete": func(args []string) int { return clientsDelete(ctx, env, args) },
	})
}

type clientJSON struct {
	ClientID               string   `json:"client_id"`
	ClientSecret           string   `json:"client_secret,omitempty"`
	Name                   string   `json:"name"`
	Public                 bool     `json:"public"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	IDTokenAlg             string   `json:"id_token_alg"`
	IDTokenClaims          bool     `json:"id_token_claims"`
	Consent                bool     `json:"consent"`
	BackchannelLogoutURI   string   `json:"backchannel_logout_uri,omitempty"`
	CreatedAt              string   `json:"created_at"`
}

func toClientJSON(c storage.Client) clientJSON {
	return clientJSON{
		ClientID: c.ID, Name: c.Name, Public: c.Public,
		RedirectURIs: nonNil(c.RedirectURIs), PostLogoutRedirectURIs: nonNil(c.PostLogoutRedirectURIs),
		IDTokenAlg: c.IDTokenAlg, IDTokenClaims: c.IDTokenUserinfoClaims, Consent: c.RequireConsent,
		BackchannelLogoutURI: c.BackchannelLogoutURI, CreatedAt: rfc3339(c.CreatedAt),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func clientsCreate(ctx context.Context, env *environment, args []string) int {
	f := newFlags("clients create", env)
	a := addAdminFlags(f)
	name := f.String("name", "", "the app's name, shown on the sign-in page (required)")
	var redirects, logoutRedirects list
	f.Var(&redirects, "redirect-uri", "a redirect URI, matched exactly (repeatable; at least one)")
	f.Var(&logoutRedirects, "post-logout-redirect-uri", "where the app may send people after logout (repeatable)")
	public := f.Bool("public", false, "a public client (SPA, native, CLI): no secret, PKCE only")
	idTokenAlg := f.String("id-token-alg", "RS256", "ID token signing algorithm: RS256 or ES256")
	idTokenClaims := f.Bool("id-token-claims", false, "also put profile and email claims in the ID token (for apps that read only the ID token)")
	consent := f.Bool("consent", false, "show people a consent page naming the app and its scopes before their first sign-in")
	backchannel := f.String("backchannel-logout-uri", "", "URL that receives a logout token when a person's session ends (OpenID Back-Channel Logout)")
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	return a.run(ctx, env, func(svc *admin.Service) (result, error) {
		created, err := svc.CreateClient(ctx, admin.NewClient{
			Name: *name, RedirectURIs: redirects, PostLogoutRedirectURIs: logoutRedirects, Public: *public,
			IDTokenAlg: *idTokenAlg, IDTokenClaims: *idTokenClaims, Consent: *consent, BackchannelLogoutURI: *backchannel,
		})
		if err != nil {
			return result{}, err
		}
		out := toClientJSON(created.Client)
		out.ClientSecret = created.Secret
		return result{out, func(w io.Writer) {
			fmt.Fprintf(w, "client_id:     %s\n", out.ClientID)
			if out.ClientSecret != "" {
				fmt.Fprintf(w, "client_secret: %s\n(shown once; Latchkey keeps only its hash)\n", out.ClientSecret)
			}
		}}, nil
	})
}

func clientsList(ctx context.Context, env *environment, args []string) int {
	f := newFlags("clients list", env)
	a := addAdminFlags(f)
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	return a.run(ctx, env, func(svc *admin.Service) (result, error) {
		clients, err := svc.ListClients(ctx)
		if err != nil {
			return result{}, err
		}
		out := make([]clientJSON, 0, len(clients))
		rows := make([][]string, 0, len(clients))
		for _, c := range clients {
			j := toClientJSON(c)
			out = append(out, j)
			kind := "confidential"
			if j.Public {
				kind = "public"
			}
			rows = append(rows, []string{j.ClientID, j.Name, kind, strings.Join(j.RedirectURIs, " ")})
		}
		return result{map[string]any{"clients": out}, func(w io.Writer) {
			printTable(w, []string{"CLIENT_ID", "NAME", "TYPE", "REDIRECT_URIS"}, rows)
		}}, nil
	})
}

func clientsDelete(ctx context.Context, env *environment, args []string) int {
	f := newFlags("clients delete", env)
	a := addAdminFlags(f)
	if code := f.parse(env, args); code >= 0 {
		return code
	}
	if len(f.args()) != 1 {
		return env.fail(errors.New("usage: latchkey clients delete CLIENT_ID"))
	}
	id := f.args()[0]
	return a.run(ctx, env, func(svc *admin.Service) (result, error) {
		if err := svc.DeleteClient(ctx, id); err != nil {
			return result{}, err
		}
		return result{map[string]any{"deleted": id}, func(w io.Writer) {
			fmt.Fprintf(w, "deleted client %s with its tokens\n", id)
		}}, nil
	})
}
