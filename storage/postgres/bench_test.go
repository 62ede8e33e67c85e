package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/storage"
	"github.com/latchkey-id/latchkey/storage/postgres"
)

// BenchmarkSignIn measures the store's share of one complete sign-in —
// authorize, passkey begin and finish, callback, code, token, userinfo — as
// the OP and the login pages will call it, and reports the statements it
// sends (each call below is one statement).
func BenchmarkSignIn(b *testing.B) {
	ctx := context.Background()
	count := &testenv.StatementCounter{}
	s, err := postgres.Open(ctx, postgres.Config{URL: testenv.PostgresDatabase(b), Tracer: count}, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	client := storage.Client{ID: secrets.ID(), SecretHash: secrets.Bytes(32), Name: "bench", RedirectURIs: []string{"https://app.example/cb"}, CreatedAt: now}
	user := storage.User{ID: secrets.ID(), WebAuthnID: secrets.Bytes(64), Email: "bench@example.com", Name: "Bench", CreatedAt: now, UpdatedAt: now}
	passkey := storage.Passkey{ID: secrets.ID(), UserID: user.ID, CredentialID: secrets.Bytes(32), PublicKey: secrets.Bytes(77),
		AttestationType: "none", AttestationFormat: "none", AAGUID: secrets.Bytes(16), Transports: []string{"internal"}, CreatedAt: now}
	invite := storage.Enrollment{TokenHash: secrets.Bytes(32), UserID: user.ID, Purpose: "invite", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateClient(ctx, client); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateUser(ctx, user, &invite); err != nil {
		b.Fatal(err)
	}
	if err := s.FinishEnrollment(ctx, invite.TokenHash, nil, passkey); err != nil {
		b.Fatal(err)
	}

	signIn := func() error {
		now := time.Now()
		a := storage.AuthRequest{ID: secrets.ID(), ClientID: client.ID, RedirectURI: client.RedirectURIs[0],
			Scopes: []string{"openid", "email"}, ResponseType: "code", CodeChallenge: secrets.Token(), CodeChallengeMethod: "S256",
			CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
		c := storage.Ceremony{Hash: secrets.Bytes(32), Kind: "login", AuthRequestID: a.ID, Data: []byte(`{}`), CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
		sess := storage.Session{ID: secrets.ID(), TokenHash: secrets.Bytes(32), UserID: user.ID, AuthTime: now, AMR: []string{"hwk"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		code := storage.AuthCode{Hash: secrets.Bytes(32), AuthRequestID: a.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
		at := storage.AccessToken{ID: secrets.ID(), FamilyID: a.ID, ClientID: client.ID, UserID: user.ID, Scopes: a.Scopes, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		rt := storage.RefreshToken{ID: secrets.ID(), Hash: secrets.Bytes(32), FamilyID: a.ID, ClientID: client.ID, UserID: user.ID, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
		at.RefreshTokenID = rt.ID

		steps := []func() error{
			func() error { return s.CreateAuthRequest(ctx, a) },                   // /authorize
			func() error { _, err := s.AuthRequest(ctx, a.ID); return err },       // GET /login
			func() error { return s.CreateCeremony(ctx, c) },                      // passkey/begin
			func() error { _, err := s.ConsumeCeremony(ctx, c.Hash); return err }, // passkey/finish
			func() error { _, err := s.PasskeyByCredentialID(ctx, passkey.CredentialID); return err },
			func() error { _, err := s.UserByWebAuthnID(ctx, user.WebAuthnID); return err },
			func() error {
				return s.RecordSignIn(ctx, storage.SignIn{PasskeyID: passkey.ID, Use: storage.PasskeyUse{UsedAt: now}, Session: sess, AuthRequestID: a.ID})
			},
			func() error { _, err := s.AuthRequest(ctx, a.ID); return err }, // callback
			func() error { return s.SaveAuthCode(ctx, code) },
			func() error { _, _, err := s.AuthCode(ctx, code.Hash); return err }, // /token
			func() error { return s.RedeemCode(ctx, code.Hash, at, &rt) },
			func() error { return s.DeleteAuthRequest(ctx, a.ID) },
			func() error { _, err := s.AccessToken(ctx, at.ID); return err }, // /userinfo
			func() error { _, err := s.User(ctx, user.ID); return err },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	}

	b.Run("serial", func(b *testing.B) {
		start := count.Count()
		for b.Loop() {
			if err := signIn(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(count.Count()-start)/float64(b.N), "statements/op")
	})
	b.Run("parallel", func(b *testing.B) {
		start := count.Count()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := signIn(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(count.Count()-start)/float64(b.N), "statements/op")
	})
}
