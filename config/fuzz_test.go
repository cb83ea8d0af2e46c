package config

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// FuzzParse checks that no input panics, and that Parse returns either a file or a sorted,
// non-empty list of problems, each with a line.
func FuzzParse(f *testing.F) {
	f.Add(readOffice(f))
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.yaml", data)
		if (file == nil) == (err == nil) {
			t.Fatalf("Parse returned file %v and error %v", file != nil, err)
		}
		if err == nil {
			return
		}
		var ps Problems
		if !errors.As(err, &ps) || len(ps) == 0 {
			t.Fatalf("err = %#v, want non-empty Problems", err)
		}
		if !sort.SliceIsSorted(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line }) {
			t.Fatalf("problems not sorted by line:\n%v", ps)
		}
		for _, p := range ps {
			if p.Line < 1 || p.File != "fuzz.yaml" || p.Msg == "" {
				t.Fatalf("bad problem %#v", p)
			}
		}
	})
}

func TestTestdataSeeds(t *testing.T) {
	if _, err := Load(filepath.Join("testdata", "minimal.yaml")); err != nil {
		t.Errorf("minimal.yaml: %v", err)
	}
	_, err := Load(filepath.Join("testdata", "broken.yaml"))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) < 50 {
		t.Errorf("broken.yaml: want many problems, got %d", len(ps))
	}
}

func BenchmarkParseOffice(b *testing.B) {
	data := readOffice(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("office.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
