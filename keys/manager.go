package keys

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey-id/latchkey/storage"
)

// Key is a private signing key ready to use.
type Key struct {
	ID        string
	Algorithm jose.SignatureAlgorithm
	Signer    crypto.Signer
}

// PublicKey is a published verification key.
type PublicKey struct {
	ID        string
	Algorithm jose.SignatureAlgorithm
	Key       crypto.PublicKey
}

// Options tune a Manager; the zero value is usable.
type Options struct {
	// Algorithms to keep an active key for; RS256 when empty. The first is
	// the default for tokens.
	Algorithms []jose.SignatureAlgorithm
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// CacheFor is how long loaded keys are trusted before the store is
	// asked again; 30 s when zero.
	CacheFor time.Duration
}

// activationDelay is how long a rotated-in key is published before it
// signs. Every replica reloads its keys within CacheFor, so after twice
// that, any JWKS a relying party fetches from any replica holds the new
// key before a token signed with it exists. Until then the key it replaced
// keeps signing.
func (m *Manager) activationDelay() time.Duration { return 2 * m.cacheFor }

// Manager hands out signing keys kept in the store.
type Manager struct {
	store    storage.Store
	sealer   *sealer
	algs     []jose.SignatureAlgorithm
	now      func() time.Time
	cacheFor time.Duration

	mu       sync.Mutex
	loadedAt time.Time
	active   map[jose.SignatureAlgorithm]Key
	public   []PublicKey
	// decrypted caches private keys by id, so a reload does not decrypt
	// and parse every key again.
	decrypted map[string]crypto.Signer
}

// New returns a Manager for the keys in store, sealed under masterKey.
func New(store storage.Store, masterKey []byte, opts Options) (*Manager, error) {
	s, err := newSealer(masterKey)
	if err != nil {
		return nil, err
	}
	algs := opts.Algorithms
	if len(algs) == 0 {
		algs = []jose.SignatureAlgorithm{RS256}
	}
	for _, a := range algs {
		if a != RS256 && a != ES256 {
			return nil, fmt.Errorf("unsupported signing algorithm %q", a)
		}
	}
	m := &Manager{store: store, sealer: s, algs: algs, now: opts.Now, cacheFor: opts.CacheFor, decrypted: map[string]crypto.Signer{}}
	if m.now == nil {
		m.now = time.Now
	}
	if m.cacheFor == 0 {
		m.cacheFor = 30 * time.Second
	}
	return m, nil
}

// Algorithms returns the algorithms this manager keeps keys for, the
// default first.
func (m *Manager) Algorithms() []jose.SignatureAlgorithm { return m.algs }

// Ensure makes sure every algorithm has an active key, generating the
// missing ones. Replicas may call it together: one key per algorithm wins.
func (m *Manager) Ensure(ctx context.Context) error {
	if err := m.reload(ctx); err != nil {
		return err
	}
	for _, alg := range m.algs {
		m.mu.Lock()
		_, ok := m.active[alg]
		m.mu.Unlock()
		if ok {
			continue // an active key, or one rotated in that will be
		}
		k, err := m.newKey(alg)
		if err != nil {
			return err
		}
		if err := m.store.AddSigningKey(ctx, k); err != nil && !errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("store signing key: %w", err)
		}
	}
	return m.reload(ctx)
}

// Signer returns the active key for alg.
func (m *Manager) Signer(ctx context.Context, alg jose.SignatureAlgorithm) (Key, error) {
	if err := m.fresh(ctx); err != nil {
		return Key{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.active[alg]
	if !ok {
		return Key{}, fmt.Errorf("no active %s signing key", alg)
	}
	return k, nil
}

// PublicKeys returns every published key, newest first: the active ones
// and retired ones that may still verify tokens.
func (m *Manager) PublicKeys(ctx context.Context) ([]PublicKey, error) {
	if err := m.fresh(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]PublicKey(nil), m.public...), nil
}

// Rotate replaces the active key of alg by a new one and returns the new
// key's id. The old key keeps signing for the activation delay and stays
// published for publishFor, long enough for the tokens it signed to
// expire. If another replica rotated first, its key is adopted.
func (m *Manager) Rotate(ctx context.Context, alg jose.SignatureAlgorithm, publishFor time.Duration) (string, error) {
	current, err := m.activeRow(ctx, alg)
	if err != nil {
		return "", err
	}
	next, err := m.newKey(alg)
	if err != nil {
		return "", err
	}
	err = m.store.RotateSigningKey(ctx, current.ID, m.now().Add(publishFor), next)
	if err != nil && !errors.Is(err, storage.ErrConflict) {
		return "", fmt.Errorf("rotate signing key: %w", err)
	}
	if err := m.reload(ctx); err != nil {
		return "", err
	}
	row, err := m.activeRow(ctx, alg)
	return row.ID, err
}

// RotateIfOlder rotates alg's key when the active one is older than maxAge.
// It returns whether this call rotated.
func (m *Manager) RotateIfOlder(ctx context.Context, alg jose.SignatureAlgorithm, maxAge, publishFor time.Duration) (bool, error) {
	row, err := m.activeRow(ctx, alg)
	if err != nil || m.now().Sub(row.CreatedAt) < maxAge {
		return false, err
	}
	if _, err := m.Rotate(ctx, alg, publishFor); err != nil {
		return false, err
	}
	return true, nil
}

// activeRow reads the active key row of alg from the store (not the cache:
// rotation must compare against the truth).
func (m *Manager) activeRow(ctx context.Context, alg jose.SignatureAlgorithm) (storage.SigningKey, error) {
	rows, err := m.store.SigningKeys(ctx)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("load signing keys: %w", err)
	}
	for _, r := range rows {
		if r.Algorithm == string(alg) && r.RetiredAt.IsZero() {
			return r, nil
		}
	}
	return storage.SigningKey{}, fmt.Errorf("no active %s signing key", alg)
}

// newKey generates and seals a key. It runs outside any transaction.
func (m *Manager) newKey(alg jose.SignatureAlgorithm) (storage.SigningKey, error) {
	priv, err := generate(alg)
	if err != nil {
		return storage.SigningKey{}, err
	}
	kid, err := thumbprint(priv.Public())
	if err != nil {
		return storage.SigningKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return storage.SigningKey{}, err
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return storage.SigningKey{}, err
	}
	return storage.SigningKey{
		ID:         kid,
		Algorithm:  string(alg),
		PrivateKey: m.sealer.seal(der, additionalData(kid, alg)),
		PublicKey:  pub,
		CreatedAt:  m.now(),
	}, nil
}

func (m *Manager) fresh(ctx context.Context) error {
	m.mu.Lock()
	stale := m.active == nil || m.now().Sub(m.loadedAt) >= m.cacheFor
	m.mu.Unlock()
	if !stale {
		return nil
	}
	return m.reload(ctx)
}

// reload reads the keys from the store and decrypts the active ones.
func (m *Manager) reload(ctx context.Context) error {
	rows, err := m.store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	public := make([]PublicKey, 0, len(rows))
	for _, row := range rows {
		pub, err := x509.ParsePKIXPublicKey(row.PublicKey)
		if err != nil {
			return fmt.Errorf("signing key %s: bad public key: %w", row.ID, err)
		}
		public = append(public, PublicKey{ID: row.ID, Algorithm: jose.SignatureAlgorithm(row.Algorithm), Key: pub})
	}
	active := map[jose.SignatureAlgorithm]Key{}
	for _, alg := range m.algs {
		row, ok := m.signingRow(rows, alg)
		if !ok {
			continue
		}
		signer, err := m.private(row)
		if err != nil {
			return err
		}
		active[alg] = Key{ID: row.ID, Algorithm: alg, Signer: signer}
	}
	m.active, m.public, m.loadedAt = active, public, m.now()
	return nil
}

// signingRow picks the key that signs for alg: the active key, unless it
// was rotated in less than activationDelay ago and the key it replaced is
// still there to sign meanwhile.
func (m *Manager) signingRow(rows []storage.SigningKey, alg jose.SignatureAlgorithm) (storage.SigningKey, bool) {
	var active, previous *storage.SigningKey
	for i := range rows { // newest first
		r := &rows[i]
		if r.Algorithm != string(alg) {
			continue
		}
		if r.RetiredAt.IsZero() && active == nil {
			active = r
		} else if !r.RetiredAt.IsZero() && (previous == nil || r.RetiredAt.After(previous.RetiredAt)) {
			previous = r
		}
	}
	if active == nil {
		return storage.SigningKey{}, false
	}
	now := m.now()
	if previous != nil && now.Sub(active.CreatedAt) < m.activationDelay() && now.Sub(previous.RetiredAt) < m.activationDelay() {
		return *previous, true
	}
	return *active, true
}

// private decrypts a key once and keeps it.
func (m *Manager) private(row storage.SigningKey) (crypto.Signer, error) {
	if signer, ok := m.decrypted[row.ID]; ok {
		return signer, nil
	}
	alg := jose.SignatureAlgorithm(row.Algorithm)
	der, err := m.sealer.open(row.PrivateKey, additionalData(row.ID, alg))
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", row.ID, err)
	}
	signer, err := parsePrivate(der, alg)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", row.ID, err)
	}
	m.decrypted[row.ID] = signer
	return signer, nil
}

func additionalData(kid string, alg jose.SignatureAlgorithm) string {
	return "latchkey signing key|" + string(alg) + "|" + kid
}
