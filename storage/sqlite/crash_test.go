package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/secrets"
	"github.com/latchkey-id/latchkey/storage"
)

// crashDBEnv, when set, makes TestCrashChild the writing process of
// TestSIGKILLLosesNothingCommitted.
const crashDBEnv = "LATCHKEY_SQLITE_CRASH_DB"

// TestCrashChild is not a test on its own: run by the test below in a
// separate process, it creates users with their invite (two rows in one
// transaction) as fast as it can and reports each one after its commit
// returned, until it is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("helper process for TestSIGKILLLosesNothingCommitted")
	}
	ctx := context.Background()
	s, err := Open(ctx, Config{Path: path}, storage.Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	for {
		u := testUser()
		invite := &storage.Enrollment{TokenHash: secrets.Bytes(32), Purpose: "invite",
			CreatedAt: epoch, ExpiresAt: epoch.Add(time.Hour)}
		if err := s.CreateUser(ctx, u, invite); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Printf("committed %s %x\n", u.ID, invite.TokenHash)
	}
}

// TestSIGKILLLosesNothingCommitted kills a writing process with SIGKILL and
// reopens its database: every transaction whose commit had returned is
// there, whole, and the file is intact. This is the durability the package
// doc claims for WAL with synchronous=NORMAL.
func TestSIGKILLLosesNothingCommitted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "latchkey.db")
	s, err := Open(ctx, Config{Path: path}, storage.Options{})
	mustDo(t, "Open", err)
	mustDo(t, "Migrate", s.Migrate(ctx))
	mustDo(t, "Close", s.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path)
	out, err := cmd.StdoutPipe()
	mustDo(t, "pipe", err)
	mustDo(t, "start child", cmd.Start())

	type row struct{ userID, tokenHash string }
	var committed []row
	lines := bufio.NewScanner(out)
	killed := false
	deadline := time.Now().Add(30 * time.Second)
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		switch {
		case len(f) == 3 && f[0] == "committed":
			committed = append(committed, row{f[1], f[2]})
		case len(f) > 0 && f[0] == "error":
			t.Errorf("child: %s", lines.Text())
		}
		// Kill mid-stream, once it has done a fair amount of work; the
		// lines still in the pipe are commits that returned before the kill.
		if !killed && (len(committed) >= 300 || time.Now().After(deadline)) {
			mustDo(t, "kill", cmd.Process.Kill())
			killed = true
		}
	}
	if !killed {
		cmd.Process.Kill()
	}
	_ = cmd.Wait()
	if len(committed) == 0 {
		t.Fatal("the child committed nothing before it was killed")
	}

	s = openStore(t, path, storage.Options{Now: func() time.Time { return epoch }})
	var check string
	mustDo(t, "integrity_check", s.readers.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check))
	if check != "ok" {
		t.Errorf("after SIGKILL, integrity_check = %q", check)
	}
	for _, r := range committed {
		if _, err := s.User(ctx, r.userID); err != nil {
			t.Errorf("committed user %s lost: %v", r.userID, err)
		}
		var hash []byte
		fmt.Sscanf(r.tokenHash, "%x", &hash)
		e, err := s.Enrollment(ctx, hash)
		if err != nil || e.UserID != r.userID {
			t.Errorf("committed invite of %s lost: %+v, %v", r.userID, e, err)
		}
	}
	// Every user has its invite: no transaction was half-applied.
	var orphans int
	mustDo(t, "count", s.readers.QueryRowContext(ctx,
		`SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.user_id = u.id)`).Scan(&orphans))
	if orphans != 0 {
		t.Errorf("%d users without their invite: a transaction was half-applied", orphans)
	}
	t.Logf("%d commits reported before SIGKILL, all present", len(committed))
}
