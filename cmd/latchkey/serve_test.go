package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/internal/testpasskey"
)

// binary is the latchkey binary built once for the tests that need a real
// process.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func latchkeyBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "latchkey-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "latchkey")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a running `latchkey serve`.
type process struct {
	cmd    *exec.Cmd
	issuer string
	mu     sync.Mutex
	log    strings.Builder
	exited chan error
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// startServe runs the binary with the given environment and waits until it
// answers /healthz.
func startServe(t *testing.T, env ...string) *process {
	t.Helper()
	return startServeOn(t, freePort(t), env...)
}

// startServeOn runs the binary on a given port (a restart keeps its
// issuer, and with it the passkeys' origin).
func startServeOn(t *testing.T, port string, env ...string) *process {
	t.Helper()
	p := &process{issuer: "http://localhost:" + port, exited: make(chan error, 1)}
	p.cmd = exec.Command(latchkeyBinary(t), "serve", "--listen", "127.0.0.1:"+port, "--issuer", p.issuer)
	p.cmd.Env = append(os.Environ(), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(p.issuer + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.exited:
			t.Fatalf("latchkey serve exited early (%v):\n%s", err, p.logs())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("latchkey serve did not become healthy:\n%s", p.logs())
	return nil
}

func (p *process) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *process) kill(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Kill()
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("latchkey serve did not die after SIGKILL")
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("latchkey serve exited with %v after SIGTERM:\n%s", err, p.logs())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("latchkey serve did not stop after SIGTERM")
	}
}

var setupURL = regexp.MustCompile(`setup_url=(\S+)`)

func TestServeOnAFreshDataDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	p := startServe(t, "LATCHKEY_DATA_DIR="+dir, "LATCHKEY_MASTER_KEY=", "LATCHKEY_DATABASE_URL=")

	logs := p.logs()
	m := setupURL.FindStringSubmatch(logs)
	if m == nil {
		t.Fatalf("no setup link logged:\n%s", logs)
	}
	link := strings.Trim(m[1], `"`)
	if !strings.HasPrefix(link, p.issuer+"/enroll/") {
		t.Fatalf("setup link %q is not under the issuer", link)
	}
	if !strings.Contains(logs, "new key file") {
		t.Errorf("the log does not say the master key was generated:\n%s", logs)
	}
	key, err := os.ReadFile(filepath.Join(dir, "latchkey.key"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs, strings.TrimSpace(string(key))) {
		t.Fatal("the log contains the master key")
	}
	if fi, _ := os.Stat(filepath.Join(dir, "latchkey.key")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}

	// The link enrolls the first administrator.
	admin := testpasskey.New(t, p.issuer)
	admin.Enroll(link, map[string]string{"email": "root@example.com", "name": "Root"})
	if res := admin.Get(link); res.Status < 400 {
		t.Fatalf("the used setup link still answers %d", res.Status)
	}
	p.stop(t)

	// A restart reuses the key file (the signing key still decrypts) and,
	// with a user present, opens no new setup link.
	p2 := startServe(t, "LATCHKEY_DATA_DIR="+dir, "LATCHKEY_MASTER_KEY=", "LATCHKEY_DATABASE_URL=")
	if setupURL.MatchString(p2.logs()) {
		t.Fatalf("a setup link was logged although an admin exists:\n%s", p2.logs())
	}
	res, err := http.Get(p2.issuer + "/keys")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("JWKS after restart: %v %v", res, err)
	}
	res.Body.Close()
	p2.stop(t)
}
