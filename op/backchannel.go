package op

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// backchannelEvent is the event a logout token carries (OpenID Back-Channel
// Logout 1.0 §2.4).
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// backchannel delivers logout tokens to the apps a session signed into,
// in the background: a slow or dead app must not hold up the person's
// sign-out. Each app gets a few tries with a short timeout.
type backchannel struct {
	storage *Storage
	client  *http.Client
	tries   int
	wg      sync.WaitGroup
}

func newBackchannel(st *Storage) *backchannel {
	return &backchannel{
		storage: st,
		// Server to server: no redirects (the spec defines none) and a
		// bounded wait.
		client: &http.Client{
			Timeout:       5 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		tries: 3,
	}
}

// notify sends a logout token for (user, session) to every listed client
// that registered a back-channel logout URI.
func (b *backchannel) notify(userID, sessionID string, clientIDs []string) {
	for _, id := range clientIDs {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.deliver(userID, sessionID, id)
		}()
	}
}

// wait blocks until every delivery in flight has ended (graceful shutdown, tests).
func (b *backchannel) wait() { b.wg.Wait() }

func (b *backchannel) deliver(userID, sessionID, clientID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := b.storage.logger.With(slog.String("client_id", clientID), slog.String("event", "backchannel_logout"))
	c, err := b.storage.clients.get(ctx, clientID)
	if err != nil || c.BackchannelLogoutURI == "" {
		return
	}
	token, err := b.storage.logoutToken(ctx, c, userID, sessionID)
	if err != nil {
		log.Error("back-channel logout: sign token", slog.Any("error", err))
		return
	}
	body := url.Values{"logout_token": {token}}.Encode()
	for try := 1; try <= b.tries; try++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.BackchannelLogoutURI, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := b.client.Do(req)
		if err == nil {
			res.Body.Close()
			// §2.8: 200 (or 204) means done; 400 means the app refused the
			// token, which retrying will not change.
			if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusNoContent {
				log.Info("back-channel logout delivered")
				return
			}
			if res.StatusCode == http.StatusBadRequest {
				log.Warn("back-channel logout refused by the app", slog.Int("status", res.StatusCode))
				return
			}
			err = &statusError{res.StatusCode}
		}
		log.Warn("back-channel logout failed", slog.Int("try", try), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(try) * 500 * time.Millisecond):
		}
	}
}

type statusError struct{ status int }

func (e *statusError) Error() string { return "status " + http.StatusText(e.status) }

// logoutToken signs a logout token (§2.4): iss, aud, iat, exp, jti, sub,
// sid and the event; never a nonce; typ "logout+jwt" (§2.4, RFC 8725 §3.11)
// so it cannot pass for an ID token. It is signed with the algorithm the
// client gets its ID tokens in.
func (s *Storage) logoutToken(ctx context.Context, c storage.Client, userID, sessionID string) (string, error) {
	k, err := s.keys.Signer(ctx, s.clientAlgorithm(c))
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: k.Algorithm, Key: jose.JSONWebKey{Key: k.Signer, KeyID: k.ID}},
		(&jose.SignerOptions{}).WithType("logout+jwt"))
	if err != nil {
		return "", err
	}
	now := s.now()
	claims, err := json.Marshal(map[string]any{
		"iss":    s.cfg.Issuer,
		"aud":    []string{c.ID},
		"iat":    now.Unix(),
		"exp":    now.Add(2 * time.Minute).Unix(),
		"jti":    secrets.ID(),
		"sub":    userID,
		"sid":    sessionID,
		"events": map[string]any{backchannelEvent: map[string]any{}},
	})
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}
