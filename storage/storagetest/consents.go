package storagetest

import (
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

func (e *env) newConsent(userID, clientID string) storage.Consent {
	now := e.clk.Now()
	return storage.Consent{
		UserID:    userID,
		ClientID:  clientID,
		Scopes:    []string{"openid", "email", "profile"},
		CreatedAt: now,
		UpdatedAt: now.Add(time.Second + 1),
	}
}

func (e *env) consent(t *testing.T, userID, clientID string) storage.Consent {
	t.Helper()
	c := e.newConsent(userID, clientID)
	must(t, e.s.SaveConsent(e.ctx, c))
	return c
}

// assertNoConsent checks that the person has no consent to the client.
func (e *env) assertNoConsent(t *testing.T, userID, clientID string) {
	t.Helper()
	if c, err := e.s.Consent(e.ctx, userID, clientID); !errorsIs(err, storage.ErrNotFound) {
		t.Fatalf("consent of %s to %s: %+v, error %v; want ErrNotFound", userID, clientID, c, err)
	}
}

var consentTests = []test{
	{"a saved consent is returned whole", func(t *testing.T, e *env) {
		u, c := e.user(t), e.client(t)
		want := e.consent(t, u.ID, c.ID)
		got, err := e.s.Consent(e.ctx, u.ID, c.ID)
		must(t, err)
		equal(t, got, want)
	}},
	{"a consent without scopes keeps no scopes", func(t *testing.T, e *env) {
		u, c := e.user(t), e.client(t)
		want := e.newConsent(u.ID, c.ID)
		want.Scopes = []string{}
		must(t, e.s.SaveConsent(e.ctx, want))
		got, err := e.s.Consent(e.ctx, u.ID, c.ID)
		must(t, err)
		equal(t, got, want)
	}},
	{"saving again replaces the scopes and UpdatedAt and keeps CreatedAt", func(t *testing.T, e *env) {
		u, c := e.user(t), e.client(t)
		first := e.consent(t, u.ID, c.ID)
		e.clk.Advance(time.Hour)
		second := e.newConsent(u.ID, c.ID)
		// Not a superset of the first: the store replaces, callers merge.
		second.Scopes = []string{"openid", "offline_access"}
		must(t, e.s.SaveConsent(e.ctx, second))
		got, err := e.s.Consent(e.ctx, u.ID, c.ID)
		must(t, err)
		want := second
		want.CreatedAt = first.CreatedAt
		equal(t, got, want)
	}},
	{"consents are kept per person and client", func(t *testing.T, e *env) {
		ada, bob := e.user(t), e.user(t)
		wiki, mail := e.client(t), e.client(t)
		adaWiki := e.consent(t, ada.ID, wiki.ID)
		bobMail := e.newConsent(bob.ID, mail.ID)
		bobMail.Scopes = []string{"openid", "passkeys"}
		must(t, e.s.SaveConsent(e.ctx, bobMail))
		got, err := e.s.Consent(e.ctx, ada.ID, wiki.ID)
		must(t, err)
		equal(t, got, adaWiki)
		got, err = e.s.Consent(e.ctx, bob.ID, mail.ID)
		must(t, err)
		equal(t, got, bobMail)
		e.assertNoConsent(t, ada.ID, mail.ID)
		e.assertNoConsent(t, bob.ID, wiki.ID)
	}},
	{"a consent of an unknown person or to an unknown client is ErrNotFound and stores nothing", func(t *testing.T, e *env) {
		u, c := e.user(t), e.client(t)
		nobody, nothing := secrets.ID(), secrets.ID()
		wantErr(t, e.s.SaveConsent(e.ctx, e.newConsent(nobody, c.ID)), storage.ErrNotFound)
		wantErr(t, e.s.SaveConsent(e.ctx, e.newConsent(u.ID, nothing)), storage.ErrNotFound)
		e.assertNoConsent(t, nobody, c.ID)
		e.assertNoConsent(t, u.ID, nothing)
		e.assertNoConsent(t, u.ID, c.ID)
	}},
	{"consents go with their person and with their client", func(t *testing.T, e *env) {
		gone, kept := e.user(t), e.user(t)
		wiki, mail := e.client(t), e.client(t)
		for _, u := range []storage.User{gone, kept} {
			for _, c := range []storage.Client{wiki, mail} {
				e.consent(t, u.ID, c.ID)
			}
		}
		must(t, e.s.DeleteUser(e.ctx, gone.ID))
		e.assertNoConsent(t, gone.ID, wiki.ID)
		e.assertNoConsent(t, gone.ID, mail.ID)
		must(t, e.s.DeleteClient(e.ctx, mail.ID))
		e.assertNoConsent(t, kept.ID, mail.ID)
		_, err := e.s.Consent(e.ctx, kept.ID, wiki.ID)
		must(t, err)
	}},
}
