package keys

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseMasterKey(t *testing.T) {
	raw := bytes.Repeat([]byte{7}, 32)
	good := []string{
		base64.StdEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw),
		"  " + base64.StdEncoding.EncodeToString(raw) + "\n",
		NewMasterKey(),
	}
	for _, s := range good {
		if k, err := ParseMasterKey(s); err != nil || len(k) != 32 {
			t.Errorf("ParseMasterKey(%q) = %d bytes, %v", s, len(k), err)
		}
	}
	bad := map[string]string{
		"":             "not set",
		"not base64!!": "not valid base64",
		base64.StdEncoding.EncodeToString(raw[:16]): "16 bytes",
	}
	for s, want := range bad {
		_, err := ParseMasterKey(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseMasterKey(%q) error = %v, want one mentioning %q", s, err, want)
		}
		if err != nil && s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("ParseMasterKey error repeats the key material: %v", err)
		}
	}
}

func TestSealerBindsCiphertextToKeyAndRow(t *testing.T) {
	s, err := newSealer(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("private key bytes")
	sealed := s.seal(secret, "row-a")
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed output contains the plaintext")
	}
	if got, err := s.open(sealed, "row-a"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := s.open(sealed, "row-b"); err == nil {
		t.Fatal("a sealed key opened under another row's additional data")
	}
	other, _ := newSealer(bytes.Repeat([]byte{2}, 32))
	if _, err := other.open(sealed, "row-a"); err == nil || !strings.Contains(err.Error(), "wrong master key") {
		t.Fatalf("open with another master key: %v", err)
	}
	if _, err := s.open(sealed[:5], "row-a"); err == nil {
		t.Fatal("a truncated key opened")
	}
}
