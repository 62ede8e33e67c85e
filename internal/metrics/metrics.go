// Package metrics exposes Latchkey's Prometheus metrics at /metrics in the
// text exposition format (version 0.0.4): HTTP requests by route, method
// and status, their latency, and the Go runtime's basics. It is small on
// purpose — a few counters and histograms need no client library.
//
// Routes are chi's patterns (/enroll/{token}), never raw paths, so tokens
// in URLs never become label values and the number of series stays fixed.
package metrics

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// buckets are the latency histogram's upper bounds, in seconds.
var buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// Registry holds the metrics of one server.
type Registry struct {
	start time.Time

	mu       sync.Mutex
	requests map[requestKey]uint64
	latency  map[string]*histogram // by route
}

type requestKey struct{ route, method, code string }

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{start: time.Now(), requests: map[requestKey]uint64{}, latency: map[string]*histogram{}}
}

// Middleware records every request. Mount it on the chi router (r.Use), so
// the route pattern is known when the request is done.
func (g *Registry) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		g.observe(routeOf(r), r.Method, sw.status, time.Since(start))
	})
}

// routeOf is the route pattern that served r. A route whose handler is
// itself a router (the OP's endpoints wrap zitadel's router) would make
// chi join both patterns ("/oauth/token/oauth/token"); the outer one
// names the route unless it is a mount point ("/*").
func routeOf(r *http.Request) string {
	rc := chi.RouteContext(r.Context())
	if rc == nil || len(rc.RoutePatterns) == 0 {
		return "unmatched"
	}
	if first := rc.RoutePatterns[0]; !strings.HasSuffix(first, "/*") {
		return first
	}
	if p := rc.RoutePattern(); p != "" {
		return p
	}
	return "unmatched"
}

func (g *Registry) observe(route, method string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // bounded label values
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests[requestKey{route, method, strconv.Itoa(status)}]++
	h := g.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		g.latency[route] = h
	}
	s := d.Seconds()
	for i, b := range buckets {
		if s <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += s
	h.count++
}

// ServeHTTP writes the metrics.
func (g *Registry) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	g.write(w)
}

func (g *Registry) write(w io.Writer) {
	g.mu.Lock()
	keys := make([]requestKey, 0, len(g.requests))
	for k := range g.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a.route+a.method+a.code < b.route+b.method+b.code
	})
	fmt.Fprintln(w, "# HELP latchkey_http_requests_total HTTP requests served, by route pattern, method and status.")
	fmt.Fprintln(w, "# TYPE latchkey_http_requests_total counter")
	for _, k := range keys {
		fmt.Fprintf(w, "latchkey_http_requests_total{route=%s,method=%s,code=%s} %d\n", quote(k.route), quote(k.method), quote(k.code), g.requests[k])
	}
	routes := make([]string, 0, len(g.latency))
	for r := range g.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Fprintln(w, "# HELP latchkey_http_request_duration_seconds Time to answer HTTP requests, by route pattern.")
	fmt.Fprintln(w, "# TYPE latchkey_http_request_duration_seconds histogram")
	for _, r := range routes {
		h := g.latency[r]
		var cum uint64
		for i, b := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "latchkey_http_request_duration_seconds_bucket{route=%s,le=%q} %d\n", quote(r), strconv.FormatFloat(b, 'g', -1, 64), cum)
		}
		fmt.Fprintf(w, "latchkey_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", quote(r), h.count)
		fmt.Fprintf(w, "latchkey_http_request_duration_seconds_sum{route=%s} %g\n", quote(r), h.sum)
		fmt.Fprintf(w, "latchkey_http_request_duration_seconds_count{route=%s} %d\n", quote(r), h.count)
	}
	g.mu.Unlock()

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gauge(w, "latchkey_go_goroutines", "Goroutines that currently exist.", float64(runtime.NumGoroutine()))
	gauge(w, "latchkey_go_heap_alloc_bytes", "Bytes of allocated heap objects.", float64(ms.HeapAlloc))
	gauge(w, "latchkey_go_gc_cycles_total", "Completed GC cycles.", float64(ms.NumGC))
	gauge(w, "latchkey_uptime_seconds", "Seconds since the server started.", time.Since(g.start).Seconds())
}

func gauge(w io.Writer, name, help string, v float64) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, v)
}

// quote escapes a label value (backslash, quote, newline).
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
