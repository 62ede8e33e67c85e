package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

func TestRequestsAreCountedByRoutePatternNotPath(t *testing.T) {
	reg := New()
	r := chi.NewRouter()
	r.Use(reg.Middleware)
	r.Get("/enroll/{token}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) })
	r.Get("/ok", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	r.Method(http.MethodGet, "/metrics", reg)
	srv := httptest.NewServer(r)
	defer srv.Close()

	for _, p := range []string{"/enroll/secret-token-1", "/enroll/secret-token-2", "/ok", "/nowhere"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	out := string(b)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{
		`latchkey_http_requests_total{route="/enroll/{token}",method="GET",code="410"} 2`,
		`latchkey_http_requests_total{route="/ok",method="GET",code="200"} 1`,
		`latchkey_http_requests_total{route="unmatched",method="GET",code="404"} 1`,
		`latchkey_http_request_duration_seconds_bucket{route="/enroll/{token}",le="+Inf"} 2`,
		`latchkey_http_request_duration_seconds_count{route="/ok"} 1`,
		"# TYPE latchkey_go_goroutines gauge",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secret-token") {
		t.Fatal("a path token became a label value")
	}
}
