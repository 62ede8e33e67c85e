package sqlite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey-id/latchkey/migrations"
	"github.com/latchkey-id/latchkey/storage"
)

func TestBackupIsAnUpToDateCopyWithTheSameRows(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, storage.Options{})
	for range 5 {
		mustDo(t, "CreateUser", s.CreateUser(ctx, testUser(), nil))
		mustDo(t, "CreateClient", s.CreateClient(ctx, testClient()))
	}

	// Writers keep going while the copy is made: it must still be one
	// consistent snapshot.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.CreateUser(ctx, testUser(), nil); err != nil {
				t.Errorf("CreateUser during backup: %v", err)
				return
			}
		}
	})
	target := filepath.Join(t.TempDir(), "backup.db")
	err := s.Backup(ctx, target)
	close(stop)
	wg.Wait()
	mustDo(t, "Backup", err)

	info, err := os.Stat(target)
	mustDo(t, "stat backup", err)
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("backup file mode = %v, want 0600", perm)
	}

	b := openStore(t, target, storage.Options{})
	if v, err := b.SchemaVersion(ctx); err != nil || v != len(migrations.SQLite()) {
		t.Errorf("backup SchemaVersion = %d, %v; want %d (up to date)", v, err, len(migrations.SQLite()))
	}
	var check string
	mustDo(t, "integrity_check", b.readers.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check))
	if check != "ok" {
		t.Errorf("backup integrity_check = %q", check)
	}
	// The live store has moved on; the copy holds a prefix of its users
	// (oldest first, same created_at, so compare as sets) and all clients.
	backupUsers, err := b.ListUsers(ctx)
	mustDo(t, "ListUsers(backup)", err)
	liveUsers, err := s.ListUsers(ctx)
	mustDo(t, "ListUsers(live)", err)
	live := map[string]storage.User{}
	for _, u := range liveUsers {
		live[u.ID] = u
	}
	if len(backupUsers) < 5 {
		t.Errorf("backup holds %d users, want at least the 5 made before it", len(backupUsers))
	}
	for _, u := range backupUsers {
		if !reflect.DeepEqual(live[u.ID], u) {
			t.Errorf("backup user %+v differs from live %+v", u, live[u.ID])
		}
	}
	backupClients, err := b.ListClients(ctx)
	mustDo(t, "ListClients(backup)", err)
	liveClients, err := s.ListClients(ctx)
	mustDo(t, "ListClients(live)", err)
	if !reflect.DeepEqual(backupClients, liveClients) {
		t.Errorf("backup clients = %+v, want %+v", backupClients, liveClients)
	}
}

func TestBackupRefusesToOverwriteAFile(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, storage.Options{})
	for name, content := range map[string][]byte{"an empty file": {}, "a file with content": []byte("keep me")} {
		t.Run(name, func(t *testing.T) {
			target := filepath.Join(t.TempDir(), "backup.db")
			mustDo(t, "write", os.WriteFile(target, content, 0o600))
			err := s.Backup(ctx, target)
			if err == nil || !strings.Contains(err.Error(), "already exists") {
				t.Errorf("Backup onto an existing file: err = %v, want a refusal", err)
			}
			got, rerr := os.ReadFile(target)
			mustDo(t, "read", rerr)
			if !bytes.Equal(got, content) {
				t.Errorf("the existing file changed to %q", got)
			}
		})
	}
}
