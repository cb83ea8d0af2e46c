package recordings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNameFollowsTheSeedPattern(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// 10 June 2023 10:30:20 in Paris is 08:30:20 UTC (summer time).
	at := time.Date(2023, 6, 10, 8, 30, 20, 0, time.UTC)
	tests := []struct {
		name  string
		namer Namer
		exten string
		want  string
	}{
		{"seed example", Namer{Prefix: "monitor/", Location: paris}, "1000", "monitor/1000-2023:06:10_10h30m20s"},
		{"utc when no zone", Namer{}, "1000", "1000-2023:06:10_08h30m20s"},
		{"custom pattern", Namer{Pattern: "{time}_{caller}_to_{exten}", Location: paris}, "3000", "2023:06:10_10h30m20s_2000_to_3000"},
		{"hostile extension", Namer{Location: paris}, "../../etc/passwd", "_._.._etc_passwd-2023:06:10_10h30m20s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.namer.Name(tc.exten, "2000", "c1", at); got != tc.want {
				t.Fatalf("Name = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSafeNameNeverEscapes(t *testing.T) {
	for _, in := range []string{"", "../x", "a/b", "$(reboot)", "`id`", "x;rm -rf /", strings.Repeat("9", 10000), "\x00\n"} {
		got := SafeName(in)
		if strings.ContainsAny(got, "/\\$`; \x00\n") || strings.HasPrefix(got, ".") || len(got) > 64 || got == "" {
			t.Errorf("SafeName(%q) = %q: unsafe", in, got)
		}
	}
}

func TestCandidatesNeverRepeat(t *testing.T) {
	seen := map[string]bool{}
	for i := range 100 {
		c := Candidate("monitor/1000-2023:06:10_10h30m20s", i)
		if seen[c] {
			t.Fatalf("candidate %d repeats %q", i, c)
		}
		seen[c] = true
	}
	if Candidate("x", 1) != "x-2" {
		t.Fatalf("second candidate = %q, want x-2", Candidate("x", 1))
	}
}

// Voicemail's messages and greetings, under the prefix's voicemail folder, are not call
// recordings: List leaves them out.
func TestListNewestFirstWithSidecars(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2023, 6, 10, 10, 0, 0, 0, time.UTC)
	write := func(name string, start time.Time) {
		p := filepath.Join(dir, filepath.FromSlash(name)+".wav")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("RIFF"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WriteSidecar(dir, Meta{Name: name, Format: "wav", Caller: "2000", Callee: "1000", Start: start, Duration: 5}); err != nil {
			t.Fatal(err)
		}
	}
	write("monitor/1000-a", base)
	write("monitor/1000-c", base.Add(2*time.Minute))
	write("monitor/1000-b", base.Add(time.Minute))
	if err := os.WriteFile(filepath.Join(dir, "monitor", "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeVoicemail(t, dir, "monitor/")

	got, err := List(dir, "monitor/")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Name)
		if e.Meta == nil || e.Meta.Caller != "2000" {
			t.Errorf("%s: sidecar not read: %+v", e.Name, e.Meta)
		}
	}
	if strings.Join(names, ",") != "monitor/1000-c,monitor/1000-b,monitor/1000-a" {
		t.Fatalf("order = %v, want newest first", names)
	}
}

func TestListOfMissingFolderIsEmpty(t *testing.T) {
	got, err := List(t.TempDir(), "monitor/")
	if err != nil || len(got) != 0 {
		t.Fatalf("List of missing folder = %v, %v; want empty, nil", got, err)
	}
}

// writeVoicemail puts a message and a greeting where voicemail keeps them, under prefix.
func writeVoicemail(t *testing.T, dir, prefix string) (paths []string) {
	t.Helper()
	box := filepath.Join(dir, filepath.FromSlash(prefix), VoicemailFolder, "7100")
	if err := os.MkdirAll(box, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"msg-1700000000-1.wav", "greet-unavail.wav"} {
		p := filepath.Join(box, name)
		if err := os.WriteFile(p, []byte("RIFF"), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// Asterisk names a wav49 recording .WAV and a g722 one .g722: List finds them, their
// sidecars are written, and retention removes them.
func TestAsteriskExtensions(t *testing.T) {
	dir := t.TempDir()
	if p := AudioPath(dir, "monitor/x", "wav49"); !strings.HasSuffix(p, "x.WAV") {
		t.Errorf("AudioPath of wav49 = %s, want x.WAV", p)
	}
	start := time.Date(2023, 6, 10, 10, 0, 0, 0, time.UTC)
	for _, f := range []struct{ name, format, file string }{{"monitor/a", "wav49", "a.WAV"}, {"monitor/b", "g722", "b.g722"}} {
		p := filepath.Join(dir, "monitor", f.file)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("RIFF"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WriteSidecar(dir, Meta{Name: f.name, Format: f.format, Start: start}); err != nil {
			t.Errorf("sidecar of %s: %v", f.file, err)
		}
	}
	got, err := List(dir, "monitor/")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Name+"."+e.Format)
	}
	if strings.Join(names, ",") != "monitor/b.g722,monitor/a.WAV" {
		t.Fatalf("List = %v, want the .WAV and the .g722 recordings", names)
	}
	removed, err := Expire(dir, "monitor/", start.Add(time.Hour))
	if err != nil || len(removed) != 2 {
		t.Errorf("Expire = %v, %v; want both removed", removed, err)
	}
}

// A download says what it holds: browsers play the WAV containers (wav49's .WAV too).
func TestContentType(t *testing.T) {
	for path, want := range map[string]string{
		"monitor/a.wav": "audio/wav", "monitor/a.WAV": "audio/wav", "a.wav16": "audio/wav",
		"a.ulaw": "audio/basic", "a.gsm": "audio/gsm", "a.g722": "application/octet-stream", "a.sln": "application/octet-stream",
	} {
		if got := ContentType(path); got != want {
			t.Errorf("ContentType(%s) = %s, want %s", path, got, want)
		}
	}
}
