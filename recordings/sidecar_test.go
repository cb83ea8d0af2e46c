package recordings

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A sidecar describes audio that exists: none for a recording whose file is missing (a
// read-only folder) or empty (a full disk), and no temporary file is left behind.
func TestSidecarOnlyForWrittenAudio(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		audio []byte // nil: no file
		ok    bool
	}{
		{"missing", nil, false},
		{"empty", []byte{}, false},
		{"written", []byte("RIFF...."), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "monitor/1000-" + tc.name
			if tc.audio != nil {
				if err := os.MkdirAll(filepath.Join(dir, "monitor"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(AudioPath(dir, name, ""), tc.audio, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := WriteSidecar(dir, Meta{Name: name, Format: "wav", Caller: "2000", Callee: "1000"})
			if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, ErrNotWritten) {
				t.Fatalf("WriteSidecar = %v, want ok=%v", err, tc.ok)
			}
			_, statErr := os.Stat(Sidecar(dir, name))
			if tc.ok != (statErr == nil) {
				t.Errorf("sidecar present = %v, want %v", statErr == nil, tc.ok)
			}
			if _, err := os.Stat(Sidecar(dir, name) + ".tmp"); err == nil {
				t.Errorf("a temporary sidecar was left behind")
			}
		})
	}
}

// A sidecar that cannot be written (here: its folder is a file) leaves no temporary file.
func TestSidecarWriteFailureLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	name := "monitor/1000-x"
	if err := os.MkdirAll(filepath.Join(dir, "monitor"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(AudioPath(dir, name, "wav"), []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(Sidecar(dir, name), 0o755); err != nil { // rename onto a directory fails
		t.Fatal(err)
	}
	if err := WriteSidecar(dir, Meta{Name: name, Format: "wav"}); err == nil {
		t.Fatal("WriteSidecar onto a directory succeeded")
	}
	if _, err := os.Stat(Sidecar(dir, name) + ".tmp"); err == nil {
		t.Errorf("a temporary sidecar was left behind")
	}
}
