package recordings

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
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

// A recorded call's sidecar is there from the recording's start, unfinished: should the
// app stop mid-call, the recording keeps its caller and callee, and the listing gives it
// the duration up to the audio's last write. The call's end makes it complete.
func TestCallSidecarFromTheStartOfTheRecording(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	s := CallSidecar{Dir: dir, Log: zerolog.Nop(), Meta: Meta{Format: "wav", CallID: "c1", Caller: "2000", Callee: "1000"}}
	s.Begin("monitor/1000-a", start) // before Asterisk has written any audio
	audio := AudioPath(dir, "monitor/1000-a", "wav")
	if err := os.WriteFile(audio, []byte("RIFF audio"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(audio, start.Add(42*time.Second), start.Add(42*time.Second)); err != nil {
		t.Fatal(err)
	}
	list, err := List(dir, "monitor/")
	if err != nil || len(list) != 1 || list[0].Meta == nil {
		t.Fatalf("list %+v, %v; want the recording with its sidecar", list, err)
	}
	if m := list[0].Meta; !m.Unfinished || m.Caller != "2000" || m.Callee != "1000" || m.Duration != 42 {
		t.Errorf("during the call: %+v, want unfinished, 2000 to 1000, 42 s up to the audio's last write", m)
	}
	s.End(true, 61*time.Second)
	list, _ = List(dir, "monitor/")
	if m := list[0].Meta; m.Unfinished || m.Duration != 61 || !m.Start.Equal(start) {
		t.Errorf("after the call: %+v, want complete, 61 s from %v", m, start)
	}
}

// No sidecar is left for a recording that was not stored: failed during the call, or
// its audio missing at the end (the folder unwritable, the disk full).
func TestCallSidecarOfARecordingNotStoredIsRemoved(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stored bool
	}{{"failed during the call", false}, {"audio missing at the end", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := CallSidecar{Dir: dir, Log: zerolog.Nop(), Meta: Meta{Format: "wav", Caller: "2000", Callee: "1000"}}
			s.Begin("monitor/1000-a", time.Now())
			if _, err := os.Stat(Sidecar(dir, "monitor/1000-a")); err != nil {
				t.Fatalf("no unfinished sidecar during the call: %v", err)
			}
			s.End(tc.stored, time.Minute)
			if left, _ := filepath.Glob(filepath.Join(dir, "monitor", "*")); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}
