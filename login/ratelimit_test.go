package login

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

func TestLimiterAllowsABurstThenOneTryPerInterval(t *testing.T) {
	t.Parallel()
	l := newLimiter(5, 15*time.Minute)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		if _, ok := l.allow("k", now); !ok {
			t.Fatalf("try %d of the burst refused", i+1)
		}
	}
	wait, ok := l.allow("k", now)
	if ok || wait != 3*time.Minute {
		t.Fatalf("6th try: ok %v, wait %v; want refused for 3m", ok, wait)
	}
	if _, ok := l.allow("other", now); !ok {
		t.Fatal("another key was refused")
	}
	if _, ok := l.allow("k", now.Add(3*time.Minute-time.Second)); ok {
		t.Fatal("a try came back early")
	}
	if _, ok := l.allow("k", now.Add(3*time.Minute)); !ok {
		t.Fatal("a try did not come back after 3m")
	}
	if _, ok := l.allow("k", now.Add(3*time.Minute)); ok {
		t.Fatal("two tries came back after 3m")
	}
	// A key left alone for the window has its whole burst again.
	later := now.Add(20 * time.Minute)
	for i := range 5 {
		if _, ok := l.allow("k", later); !ok {
			t.Fatalf("try %d after the window refused", i+1)
		}
	}
}

func TestAFullLimiterRefusesNewKeysUntilOldOnesRefill(t *testing.T) {
	t.Parallel()
	l := newLimiter(5, 15*time.Minute)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for i := range maxTrackedKeys {
		l.allow(strconv.Itoa(i), now)
	}
	if _, ok := l.allow("new", now.Add(time.Minute)); ok {
		t.Fatal("a full table took a new key")
	}
	if _, ok := l.allow("7", now.Add(time.Minute)); !ok {
		t.Fatal("a full table refused a tracked key with tries left")
	}
	// Three minutes on, the keys tried once have every try back.
	if _, ok := l.allow("new", now.Add(4*time.Minute)); !ok {
		t.Fatal("the table was not swept")
	}
	if n := len(l.tat); n > 3 {
		t.Fatalf("%d keys left after the sweep", n)
	}
}

func TestClientNetworkGroupsAnIPv6Slash64(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:4711", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:4711", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::9]:80", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.RemoteAddr = tc.remote
		if got := clientNetwork(r); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.remote, got, tc.want)
		}
	}
}
