package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

var clientTests = []test{
	{"a confidential client is returned whole", func(t *testing.T, e *env) {
		c := e.client(t)
		e.client(t)
		got, err := e.s.Client(e.ctx, c.ID)
		must(t, err)
		equal(t, got, c)
	}},
	{"a public client keeps no secret, empty lists and default settings", func(t *testing.T, e *env) {
		c := e.newClient()
		c.Public, c.SecretHash, c.PostLogoutRedirectURIs = true, nil, nil
		c.RedirectURIs = []string{}
		c.IDTokenAlg, c.IDTokenUserinfoClaims, c.RequireConsent, c.BackchannelLogoutURI = "", false, false, ""
		must(t, e.s.CreateClient(e.ctx, c))
		got, err := e.s.Client(e.ctx, c.ID)
		must(t, err)
		equal(t, got, c)
		if got.SecretHash != nil {
			t.Fatalf("SecretHash = %#v, want nil", got.SecretHash)
		}
	}},
	{"each client keeps its own ID token, consent and logout settings", func(t *testing.T, e *env) {
		// Every setting on in one client and off in the other, so that a
		// column read from the wrong place, or one stuck at its default,
		// shows in one of them.
		on := e.newClient()
		off := e.newClient()
		off.IDTokenAlg, off.IDTokenUserinfoClaims, off.RequireConsent, off.BackchannelLogoutURI = "RS256", false, false, ""
		off.CreatedAt = off.CreatedAt.Add(time.Second)
		mixed := e.newClient()
		mixed.IDTokenAlg, mixed.RequireConsent = "", false
		mixed.CreatedAt = mixed.CreatedAt.Add(2 * time.Second)
		for _, c := range []storage.Client{on, off, mixed} {
			must(t, e.s.CreateClient(e.ctx, c))
		}
		for _, c := range []storage.Client{on, off, mixed} {
			got, err := e.s.Client(e.ctx, c.ID)
			must(t, err)
			equal(t, got, c)
		}
		all, err := e.s.ListClients(e.ctx)
		must(t, err)
		equal(t, all, []storage.Client{on, off, mixed})
	}},
	{"a taken client id is ErrAlreadyExists and keeps the first client", func(t *testing.T, e *env) {
		c := e.client(t)
		dup := e.newClient()
		dup.ID, dup.Name = c.ID, "Impostor"
		wantErr(t, e.s.CreateClient(e.ctx, dup), storage.ErrAlreadyExists)
		got, err := e.s.Client(e.ctx, c.ID)
		must(t, err)
		equal(t, got, c)
	}},
	{"ListClients returns every client oldest first", func(t *testing.T, e *env) {
		all, err := e.s.ListClients(e.ctx)
		must(t, err)
		if len(all) != 0 {
			t.Fatalf("empty store: ListClients = %v, want none", all)
		}
		var cs [3]storage.Client
		for i, offset := range []time.Duration{time.Hour, 2 * time.Hour, 0} {
			c := e.newClient()
			c.CreatedAt = c.CreatedAt.Add(offset)
			must(t, e.s.CreateClient(e.ctx, c))
			cs[[]int{1, 2, 0}[i]] = c
		}
		all, err = e.s.ListClients(e.ctx)
		must(t, err)
		equal(t, all, cs[:])
	}},
	{"an unknown client is ErrNotFound", func(t *testing.T, e *env) {
		e.client(t)
		_, err := e.s.Client(e.ctx, secrets.ID())
		wantErr(t, err, storage.ErrNotFound)
		wantErr(t, e.s.DeleteClient(e.ctx, secrets.ID()), storage.ErrNotFound)
	}},
	{"DeleteClient removes its auth requests and tokens and nothing else", func(t *testing.T, e *env) {
		u := e.user(t)
		gone, kept := e.client(t), e.client(t)
		gonePending, keptPending := e.authRequest(t, gone.ID), e.authRequest(t, kept.ID)
		goneGrant, keptGrant := e.grant(t, gone.ID, u.ID), e.grant(t, kept.ID, u.ID)
		must(t, e.s.DeleteClient(e.ctx, gone.ID))

		_, err := e.s.Client(e.ctx, gone.ID)
		wantErr(t, err, storage.ErrNotFound)
		for _, id := range []string{gonePending.ID, goneGrant.req.ID} {
			_, err = e.s.AuthRequest(e.ctx, id)
			wantErr(t, err, storage.ErrNotFound)
		}
		_, err = e.s.AccessToken(e.ctx, goneGrant.access.ID)
		wantErr(t, err, storage.ErrNotFound)
		_, err = e.s.RefreshToken(e.ctx, goneGrant.refresh.Hash)
		wantErr(t, err, storage.ErrNotFound)

		all, err := e.s.ListClients(e.ctx)
		must(t, err)
		equal(t, all, []storage.Client{kept})
		for _, id := range []string{keptPending.ID, keptGrant.req.ID} {
			_, err = e.s.AuthRequest(e.ctx, id)
			must(t, err)
		}
		_, err = e.s.AccessToken(e.ctx, keptGrant.access.ID)
		must(t, err)
		_, err = e.s.RefreshToken(e.ctx, keptGrant.refresh.Hash)
		must(t, err)
		_, err = e.s.User(e.ctx, u.ID)
		must(t, err)
	}},
}
