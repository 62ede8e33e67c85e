package login

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/latchkey-id/latchkey/internal/httpx"
)

// Rate limits of the endpoints that check something a person types — a
// recovery code, a sign-up code — or that send mail. They are counted per
// email address and per client IP, so that neither one address attacked
// from many IPs nor many addresses tried from one IP gets far, and the
// answer (429) is the same whether the address has an account or not.
//
// The counts live in process memory, per replica, deliberately (DESIGN.md
// keeps *state* in the store; these are a throttle, not state a flow
// depends on):
//   - What makes guessing hopeless lies elsewhere and is in the store: a
//     recovery code is 50 random bits behind argon2id and single use, a
//     sign-up code allows 5 wrong tries in all (ConsumeEmailCode counts
//     them atomically) and lasts 10 minutes. With N replicas an attacker
//     gets N times the tries below: against recovery codes that is still
//     N·480 guesses a day at 1 in 2^50/10 each.
//   - A store-backed counter would put a write on the path of every
//     attempt, including those refused, which is the load an attacker
//     controls; and it would need a schema change this part does not own.
//   - A restart resets the counts; the store's limits above do not reset.
// Each limiter holds at most maxTrackedKeys keys (about 100 bytes each);
// when an attack fills it with live keys, new keys are refused (fail
// closed) until some have every try back.

// Limits: tries per window, by email and by client IP.
const (
	limitWindow   = 15 * time.Minute
	limitPerEmail = 5
	limitPerIP    = 20
	// verifyPerEmail is two sign-up codes' worth of tries, so that typos
	// on one code do not lock a person out of the next.
	verifyPerEmail = 2 * maxCodeAttempts
	maxTrackedKeys = 100_000
)

// errTooManyAttempts is the one answer of every limit, for every email.
var errTooManyAttempts = httpx.NewError(http.StatusTooManyRequests, "too_many_attempts",
	"Too many attempts. Wait a few minutes and try again.")

// rateLimits are the limiters of the recovery and sign-up endpoints.
type rateLimits struct {
	recovery, signupStart, signupVerify limitPair
}

// limitPair limits one endpoint by email and by client IP.
type limitPair struct {
	byEmail, byIP *limiter
}

func newRateLimits() *rateLimits {
	return &rateLimits{
		recovery:     limitPair{newLimiter(limitPerEmail, limitWindow), newLimiter(limitPerIP, limitWindow)},
		signupStart:  limitPair{newLimiter(limitPerEmail, limitWindow), newLimiter(limitPerIP, limitWindow)},
		signupVerify: limitPair{newLimiter(verifyPerEmail, limitWindow), newLimiter(limitPerIP, limitWindow)},
	}
}

// allow charges one try to the client IP and to the email, and returns
// errTooManyAttempts (with Retry-After set) when either is spent. It runs
// before any store query, so a limited try costs the same for every email.
func (p limitPair) allow(w http.ResponseWriter, r *http.Request, email string, now time.Time) error {
	wait, ok := p.byIP.allow(clientNetwork(r), now)
	if ok {
		wait, ok = p.byEmail.allow(email, now)
	}
	if ok {
		return nil
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	return errTooManyAttempts
}

// clientNetwork is the key of a client IP: the address itself for IPv4,
// its /64 for IPv6, where one host commonly holds a whole /64.
func clientNetwork(r *http.Request) string {
	ip := net.ParseIP(httpx.ClientIP(r))
	if ip == nil {
		return httpx.ClientIP(r)
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// limiter is a generic cell rate algorithm (GCRA) per key: a key may make
// max tries at once and then one more every window/max, so max tries per
// window on average with no burst at window edges. Each key costs one
// timestamp, the "theoretical arrival time" of its next try.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration // window / max: the time one try takes to refill
	burst    time.Duration // window: how far ahead of now tat may run
	tat      map[string]time.Time
	// swept is when a full table was last swept: at most once per
	// interval, so that a flood of new keys cannot make every request
	// walk the whole table.
	swept time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{interval: window / time.Duration(max), burst: window, tat: map[string]time.Time{}}
}

// allow charges one try to key. When the key has none left it reports how
// long until it has one.
func (l *limiter) allow(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, seen := l.tat[key]
	if !seen && len(l.tat) >= maxTrackedKeys {
		if now.Sub(l.swept) >= l.interval {
			l.sweep(now)
			l.swept = now
		}
		if len(l.tat) >= maxTrackedKeys {
			return l.interval, false
		}
	}
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(l.interval)
	if next.Sub(now) > l.burst {
		return next.Sub(now) - l.burst, false
	}
	l.tat[key] = next
	return 0, true
}

// sweep forgets keys that have every try back.
func (l *limiter) sweep(now time.Time) {
	for k, tat := range l.tat {
		if !tat.After(now) {
			delete(l.tat, k)
		}
	}
}
