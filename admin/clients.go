package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/internal/validate"
	"github.com/latchkey-id/latchkey/storage"
)

// NewClient is what an administrator gives to register an app.
type NewClient struct {
	Name                   string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// Public marks a client that cannot keep a secret (SPA, native, CLI):
	// it authenticates with PKCE alone.
	Public bool
	// IDTokenAlg is "RS256" (default when empty) or "ES256".
	IDTokenAlg string
	// IDTokenClaims also puts profile and email claims in the ID token.
	IDTokenClaims bool
	// Consent shows people a consent page before their first sign-in.
	Consent bool
	// BackchannelLogoutURI receives logout tokens (OpenID Back-Channel Logout 1.0).
	BackchannelLogoutURI string
}

// IDTokenAlgorithms are the ID token signing algorithms a client may choose.
var IDTokenAlgorithms = []string{"RS256", "ES256"}

// CreatedClient is a registered client and, for a confidential one, its
// secret — shown once, never stored in clear.
type CreatedClient struct {
	Client storage.Client
	Secret string
}

// CreateClient registers an app after checking every URI.
func (s *Service) CreateClient(ctx context.Context, in NewClient) (CreatedClient, error) {
	var problems []string
	name, err := validate.Name(in.Name)
	if err != nil {
		problems = append(problems, "client "+err.Error())
	}
	if len(in.RedirectURIs) == 0 {
		problems = append(problems, "at least one redirect URI is required")
	}
	for _, u := range in.RedirectURIs {
		if err := validate.RedirectURI(u, in.Public); err != nil {
			problems = append(problems, err.Error())
		}
	}
	for _, u := range in.PostLogoutRedirectURIs {
		if err := validate.RedirectURI(u, in.Public); err != nil {
			problems = append(problems, "post-logout "+err.Error())
		}
	}
	alg := in.IDTokenAlg
	if alg == "" {
		alg = IDTokenAlgorithms[0]
	}
	if !slices.Contains(IDTokenAlgorithms, alg) {
		problems = append(problems, fmt.Sprintf("ID token algorithm %q: want one of %v", in.IDTokenAlg, IDTokenAlgorithms))
	}
	if in.BackchannelLogoutURI != "" {
		// OpenID Back-Channel Logout 1.0 §2.2: absolute, no fragment; the
		// OP calls it server to server, so no private-use scheme.
		if err := validate.RedirectURI(in.BackchannelLogoutURI, false); err != nil {
			problems = append(problems, "back-channel logout "+err.Error())
		}
	}
	if problems != nil {
		return CreatedClient{}, &InvalidError{Problems: problems}
	}
	c := storage.Client{
		ID:                     secrets.ID(),
		Name:                   name,
		RedirectURIs:           dedupe(in.RedirectURIs),
		PostLogoutRedirectURIs: dedupe(in.PostLogoutRedirectURIs),
		Public:                 in.Public,
		IDTokenAlg:             alg,
		IDTokenUserinfoClaims:  in.IDTokenClaims,
		RequireConsent:         in.Consent,
		BackchannelLogoutURI:   in.BackchannelLogoutURI,
		CreatedAt:              s.now(),
	}
	var secret string
	if !in.Public {
		secret = secrets.Token()
		c.SecretHash = secrets.Hash(secret)
	}
	if err := s.Store.CreateClient(ctx, c); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return CreatedClient{}, fmt.Errorf("client id %q is taken", c.ID)
		}
		return CreatedClient{}, fmt.Errorf("create client: %w", err)
	}
	return CreatedClient{Client: c, Secret: secret}, nil
}

// ListClients returns every client, oldest first.
func (s *Service) ListClients(ctx context.Context) ([]storage.Client, error) {
	return s.Store.ListClients(ctx)
}

// DeleteClient removes a client with its authorization requests and tokens.
func (s *Service) DeleteClient(ctx context.Context, id string) error {
	if _, err := s.Store.Client(ctx, id); err != nil {
		return notFound(err, "client", id)
	}
	return notFound(s.Store.DeleteClient(ctx, id), "client", id)
}

func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
