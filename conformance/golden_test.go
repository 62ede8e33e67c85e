package conformance

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/discovery.golden.json from the running server")

const (
	goldenPath        = "testdata/discovery.golden.json"
	issuerPlaceholder = "{{issuer}}"
)

var goldenMu sync.Mutex

// normalizeDiscovery makes a discovery document comparable across runs:
// the issuer becomes a placeholder, arrays of strings (sets in every
// metadata field) are sorted, keys are sorted, two-space indentation.
func normalizeDiscovery(t testing.TB, body []byte, issuer string) []byte {
	t.Helper()
	var doc map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("discovery is not a JSON object: %v", err)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case string:
			return strings.ReplaceAll(v, issuer, issuerPlaceholder)
		case []any:
			out := make([]any, len(v))
			allStrings := true
			for i, x := range v {
				out[i] = walk(x)
				_, ok := out[i].(string)
				allStrings = allStrings && ok
			}
			if allStrings {
				sort.Slice(out, func(i, j int) bool { return out[i].(string) < out[j].(string) })
			}
			return out
		case map[string]any:
			for k, x := range v {
				v[k] = walk(x)
			}
			return v
		}
		return v
	}
	walk(doc)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDiscoveryGolden pins the discovery document (OIDC Discovery §3; RFC
// 8414 §2) in testdata/discovery.golden.json, with the issuer as
// {{issuer}} and set-valued arrays sorted; `go test ./conformance -run
// TestDiscoveryGolden -update` rewrites it. Then every advertised feature
// is probed against the running server, and a metadata field no probe
// knows fails the test, so nothing is advertised untested.
func TestDiscoveryGolden(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		res := send(t, request(t, http.MethodGet, e.srv.URL+discoveryPath, nil))
		if res.Status != http.StatusOK {
			t.Fatalf("discovery = %d", res.Status)
		}
		got := normalizeDiscovery(t, res.Body, e.srv.URL)
		goldenMu.Lock()
		if *update {
			if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(goldenPath)
		goldenMu.Unlock()
		if err != nil {
			t.Fatalf("read the golden file (run with -update to create it): %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("the discovery document differs from %s (run with -update if the change is intended)\n--- got\n%s\n--- want\n%s\n%s",
				goldenPath, got, want, lineDiff(string(want), string(got)))
		}

		doc := res.object(t)
		probes := e.discoveryProbes(doc)
		keys := make([]string, 0, len(doc))
		for k := range doc {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			probe, ok := probes[k]
			if !ok {
				t.Errorf("discovery advertises %s = %v, and no probe checks that it is true", k, doc[k])
				continue
			}
			e.run(t, k, func(t *testing.T) { probe() })
		}
	})
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
