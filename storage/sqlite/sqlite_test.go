package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/latchkey-id/latchkey/storage"
	"github.com/latchkey-id/latchkey/storage/storagetest"
)

// TestConformance runs the storage suite, the same cases PostgreSQL passes,
// each on a fresh, migrated database file of its own.
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, opts storage.Options) storage.Store {
		return openStore(t, filepath.Join(t.TempDir(), "latchkey.db"), opts)
	})
}
