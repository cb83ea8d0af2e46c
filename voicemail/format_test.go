package voicemail

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/config"
)

// writeRecording writes secs seconds of a recording name in format where Asterisk does
// (main/file.c: wav49 is name.WAV, every other format name.<format>): a PCM WAV for wav,
// GSM in a WAV container for wav49, headerless bytes otherwise.
func writeRecording(t *testing.T, dir, name, format string, secs int) {
	t.Helper()
	ext := format
	switch format {
	case "", "wav":
		writeWAV(t, filepath.Join(dir, filepath.FromSlash(name)+".wav"), secs)
		return
	case "wav49":
		ext = "WAV"
	}
	path := filepath.Join(dir, filepath.FromSlash(name)+"."+ext)
	data := make([]byte, 1650*secs) // gsm's size; the others' does not matter here
	if format == "wav49" {
		data = wav49(secs)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// wav49 is secs seconds of GSM in a WAV container as format_wav_gsm.c writes it: a 20-byte
// fmt chunk (format 49, 1625 bytes per second), a fact chunk, then the data (60-byte header).
func wav49(secs int) []byte {
	data := 1625 * secs
	h := make([]byte, 60)
	le := binary.LittleEndian
	copy(h, "RIFF")
	le.PutUint32(h[4:], uint32(52+data))
	copy(h[8:], "WAVEfmt ")
	le.PutUint32(h[16:], 20)
	le.PutUint16(h[20:], 49)
	le.PutUint16(h[22:], 1)
	le.PutUint32(h[24:], 8000)
	le.PutUint32(h[28:], 1625)
	le.PutUint16(h[32:], 65)
	le.PutUint16(h[36:], 2)
	le.PutUint16(h[38:], 320)
	copy(h[40:], "fact")
	le.PutUint32(h[44:], 4)
	le.PutUint32(h[48:], uint32(8000*secs))
	copy(h[52:], "data")
	le.PutUint32(h[56:], uint32(data))
	return append(h, make([]byte, data)...)
}

func formatFile(format string) *config.File {
	return &config.File{Voicemail: config.Voicemail{Format: format, MaxMessages: 10, MinDuration: 3 * time.Second,
		MaxDuration: time.Minute, SilenceThreshold: 128, Boxes: map[string]config.Box{"1000": {Number: "1000", PIN: "1"}}}}
}

// startWith opens the service as the app does at start: New, then Configure.
func startWith(t *testing.T, dir string, deps Deps, format string) *Service {
	t.Helper()
	deps.Dir, deps.Prefix, deps.Logger = dir, "p/", zerolog.Nop()
	s, err := New(context.Background(), deps)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Configure(formatFile(format)); err != nil {
		t.Fatal(err)
	}
	return s
}

// A message recorded in gsm is still there, with its caller and folder, after a restart with
// voicemail.format gsm, and after one where the format became wav: its file is found
// whatever its extension, to download and to delete.
func TestRestartKeepsMessagesOfAnotherFormat(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	s := startWith(t, dir, Deps{DB: db, Format: "gsm"}, "gsm")
	c := &fakeCall{t: t, s: s, recordSecs: 5, log: zerolog.Nop()}
	if left, err := s.Leave(context.Background(), c, "1000", "noanswer"); !left || err != nil {
		t.Fatalf("Leave = %v, %v; want the message kept", left, err)
	}
	msgs, _ := s.Messages("1000", "")
	if len(msgs) != 1 {
		t.Fatalf("messages = %+v, want 1", msgs)
	}
	if _, err := s.MarkHeard("1000", msgs[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"gsm", "wav"} {
		s = startWith(t, dir, Deps{DB: db, Format: format}, format)
		got, err := s.Messages("1000", "")
		if err != nil || len(got) != 1 || got[0].ID != msgs[0].ID || got[0].Caller != "2000" || got[0].Folder != "Old" ||
			!got[0].Heard || got[0].Restored {
			t.Fatalf("restart with format %s: messages = %+v (%v), want the heard message from 2000 in Old", format, got, err)
		}
		if p := s.AudioPath(got[0]); !strings.HasSuffix(p, ".gsm") {
			t.Errorf("restart with format %s: audio = %s, want the .gsm file", format, p)
		}
	}
	if err := s.Delete("1000", msgs[0].ID); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(s.boxDir("1000")); len(files) != 0 {
		t.Errorf("box folder after delete: %v, want empty", files)
	}
}

// Asterisk records wav49 as name.WAV: the message is kept (not judged unwritten), its
// length read from its header, and it survives a restart.
func TestLeaveInWAV49(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	notices := &noticeSpy{}
	s := startWith(t, dir, Deps{DB: db, Format: "wav49", Notices: notices}, "wav49")
	for _, tc := range []struct {
		secs int
		left bool
	}{{2, false}, {5, true}} {
		c := &fakeCall{t: t, s: s, recordSecs: tc.secs, log: zerolog.Nop()}
		left, err := s.Leave(context.Background(), c, "1000", "noanswer")
		if err != nil || left != tc.left || slices.Contains(c.played, Apology[0]) {
			t.Fatalf("Leave of %d s = %v, %v, played %v; want kept %v, no apology", tc.secs, left, err, c.played, tc.left)
		}
	}
	msgs, _ := s.Messages("1000", "")
	if len(msgs) != 1 || msgs[0].Duration != 5*time.Second || !strings.HasSuffix(s.AudioPath(msgs[0]), ".WAV") {
		t.Fatalf("messages = %+v, want the 5 s one in a .WAV file", msgs)
	}
	if files, _ := os.ReadDir(s.boxDir("1000")); len(files) != 1 {
		t.Errorf("box folder = %v, want the kept message only", files)
	}
	s = startWith(t, dir, Deps{DB: db, Format: "wav49"}, "wav49")
	if got, _ := s.Messages("1000", ""); len(got) != 1 || got[0].Restored || got[0].Caller != "2000" {
		t.Errorf("after a restart: %+v, want the message unchanged", got)
	}
}

// wavDuration reads PCM and wav49 headers; it is 0 for a headerless file (gsm), whose
// message then keeps Asterisk's count and is not discarded as too short (the 5 s gsm
// message of TestRestartKeepsMessagesOfAnotherFormat).
func TestWAVDuration(t *testing.T) {
	dir := t.TempDir()
	writeRecording(t, dir, "a", "wav", 4)
	writeRecording(t, dir, "b", "wav49", 3)
	writeRecording(t, dir, "c", "gsm", 3)
	for name, want := range map[string]time.Duration{"a.wav": 4 * time.Second, "b.WAV": 3 * time.Second, "c.gsm": 0} {
		if got := wavDuration(filepath.Join(dir, name)); got != want {
			t.Errorf("wavDuration(%s) = %s, want %s", name, got, want)
		}
	}
}
