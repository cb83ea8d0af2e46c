package ari_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ariflow/ariflow/ari"
)

// FuzzDecodeEvent checks that DecodeEvent never panics, rejects what is not JSON, and
// returns events whose Keys can be computed. The seed corpus is every captured event in
// testdata/events plus testdata/fuzz/FuzzDecodeEvent.
func FuzzDecodeEvent(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no captured events: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := ari.DecodeEvent(data)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("DecodeEvent accepted invalid JSON %q", data)
		}
		if ev == nil || ev.Base().Type == "" {
			t.Fatalf("DecodeEvent(%q) = %#v without a type", data, ev)
		}
		if u, ok := ev.(*ari.UnknownEvent); ok && string(u.Raw) != string(data) {
			t.Fatalf("Raw %q, want %q", u.Raw, data)
		}
		_ = ari.Keys(ev)
	})
}
