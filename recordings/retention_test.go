package recordings

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// recordingAt writes a call recording whose call began at start: with a sidecar saying so,
// or, withSidecar false, as a bare audio file last written then.
func recordingAt(t *testing.T, dir, name string, start time.Time, withSidecar bool) string {
	t.Helper()
	p := AudioPath(dir, name, "wav")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	if withSidecar {
		if err := WriteSidecar(dir, Meta{Name: name, Format: "wav", Start: start}); err != nil {
			t.Fatal(err)
		}
	} else if err := os.Chtimes(p, start, start); err != nil {
		t.Fatal(err)
	}
	return p
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Expire removes the call recordings older than the cutoff, audio and sidecar, whether
// their start comes from the sidecar or the file; it keeps the newer ones and never
// touches voicemail, however old.
func TestExpireRemovesOnlyOldCallRecordings(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	old := recordingAt(t, dir, "monitor/1000-old", now.AddDate(0, 0, -100), true)
	bare := recordingAt(t, dir, "monitor/1000-bare", now.AddDate(0, 0, -95), false)
	recent := recordingAt(t, dir, "monitor/1000-recent", now.AddDate(0, 0, -10), true)
	voicemail := writeVoicemail(t, dir, "monitor/")
	for _, p := range voicemail {
		ancient := now.AddDate(-2, 0, 0)
		if err := os.Chtimes(p, ancient, ancient); err != nil {
			t.Fatal(err)
		}
	}

	removed, err := Expire(dir, "monitor/", now.AddDate(0, 0, -90))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"monitor/1000-bare", "monitor/1000-old"}; !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	for _, gone := range []string{old, Sidecar(dir, "monitor/1000-old"), bare} {
		if exists(gone) {
			t.Errorf("%s is still there", gone)
		}
	}
	for _, kept := range append([]string{recent, Sidecar(dir, "monitor/1000-recent")}, voicemail...) {
		if !exists(kept) {
			t.Errorf("%s was removed", kept)
		}
	}
}

// Voicemail keeps the prefix it started with until a restart: after a reload from
// "monitor/" to "", retention over the whole directory still never touches it.
func TestExpireSparesVoicemailUnderAnEarlierPrefix(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	old := recordingAt(t, dir, "1000-old", now.AddDate(0, 0, -100), true)
	voicemail := writeVoicemail(t, dir, "monitor/")
	for _, p := range voicemail {
		ancient := now.AddDate(-2, 0, 0)
		if err := os.Chtimes(p, ancient, ancient); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := Expire(dir, "", now.AddDate(0, 0, -90))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1000-old"}; !slices.Equal(removed, want) || exists(old) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	for _, kept := range voicemail {
		if !exists(kept) {
			t.Errorf("voicemail %s was removed", kept)
		}
	}
}

// ExpireEvery reads the retention before each run: none at first (a file without it keeps
// everything), then 30 days, as after a reload; the old recording goes at the next run.
func TestExpireEveryAppliesTheCurrentRetention(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	old := recordingAt(t, dir, "monitor/1000-old", now.AddDate(0, 0, -40), true)
	var keep atomic.Int64
	var runs atomic.Int32
	current := func() Retention {
		runs.Add(1)
		return Retention{Dir: dir, Prefix: "monitor/", Keep: time.Duration(keep.Load())}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ExpireEvery(ctx, time.Millisecond, current, func() time.Time { return now }, zerolog.Nop())
	}()
	defer func() { cancel(); <-done }()

	waitFor(t, "three runs", func() bool { return runs.Load() >= 3 })
	if !exists(old) {
		t.Fatal("removed with no retention set")
	}
	keep.Store(int64(30 * 24 * time.Hour))
	waitFor(t, "the old recording removed", func() bool { return !exists(old) })
}

// waitFor polls cond until it holds, failing the test if it has not within a long minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
	}
}
