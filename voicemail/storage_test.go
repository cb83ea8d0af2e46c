package voicemail

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/store"
)

// storageCall is a caller whose message Asterisk cannot store: the record request is
// refused, the recording fails, or the file is left empty (a full disk).
type storageCall struct {
	*fakeCall
	err   error // what Record returns
	empty bool  // Record leaves an empty file
}

func (f *storageCall) Record(_ context.Context, o call.RecordOptions) (call.RecordResult, error) {
	f.records++
	if f.empty {
		p := f.s.path(o.Name)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			f.t.Fatal(err)
		}
		return call.RecordResult{Name: o.Name, Duration: 5 * time.Second}, nil
	}
	return call.RecordResult{}, f.err
}

// A message that cannot be stored is logged, claims nothing in the box, and the caller hears
// the apology instead of a silent line; a caller who hung up is simply let go.
func TestLeaveWhenTheMessageCannotBeStored(t *testing.T) {
	for _, tc := range []struct {
		name   string
		call   func(*fakeCall) Call
		folder bool // the box's folder cannot be made
	}{
		{"record refused", func(f *fakeCall) Call {
			return &storageCall{fakeCall: f, err: fmt.Errorf("record: %w", &ari.Error{Method: "POST", Path: "/channels/c1/record", Status: 500, Message: "Internal Server Error"})}
		}, false},
		{"recording failed", func(f *fakeCall) Call {
			return &storageCall{fakeCall: f, err: fmt.Errorf("record x: %w: Could not open file", call.ErrRecordingFailed)}
		}, false},
		{"disk full", func(f *fakeCall) Call { return &storageCall{fakeCall: f, empty: true} }, false},
		{"folder unwritable", func(f *fakeCall) Call { return f }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openDB(t, dir)
			var logs bytes.Buffer
			s := boxService(t, dir, db)
			if tc.folder { // a file where the box's folder should be
				if err := os.MkdirAll(filepath.Dir(s.boxDir("1000")), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(s.boxDir("1000"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			fc := &fakeCall{t: t, s: s, recordSecs: 5, log: zerolog.New(&logs)}
			left, err := s.Leave(context.Background(), tc.call(fc), "1000", "noanswer")
			if err != nil || left {
				t.Fatalf("Leave = %v, %v; want no message and no error", left, err)
			}
			if !slices.Equal(fc.played[len(fc.played)-len(Apology):], Apology) {
				t.Errorf("the caller heard %v, want it to end with the apology %v", fc.played, Apology)
			}
			if !strings.Contains(logs.String(), `"level":"error"`) || !strings.Contains(logs.String(), "cannot be stored") {
				t.Errorf("no error logged: %s", logs.String())
			}
			if msgs, _ := s.Messages("1000", "INBOX"); len(msgs) != 0 {
				t.Errorf("INBOX = %+v, want nothing claimed", msgs)
			}
			pending := 0
			_ = db.ForEach(bucketPending, func(string, []byte) error { pending++; return nil })
			if pending != 0 {
				t.Errorf("%d pending rows left: a restart would claim a message", pending)
			}
		})
	}
}

// A caller who hung up before an empty recording hears nothing more.
func TestLeaveNotStoredAfterHangupPlaysNothing(t *testing.T) {
	dir := t.TempDir()
	s := boxService(t, dir, openDB(t, dir))
	fc := &fakeCall{t: t, s: s, log: zerolog.Nop()}
	c := &hungUpEmptyCall{fakeCall: fc}
	if left, err := s.Leave(context.Background(), c, "1000", "busy"); left || err != nil {
		t.Fatalf("Leave = %v, %v", left, err)
	}
	if slices.Contains(fc.played, Apology[0]) {
		t.Errorf("played %v to a caller who had hung up", fc.played)
	}
}

type hungUpEmptyCall struct{ *fakeCall }

func (f *hungUpEmptyCall) Record(_ context.Context, o call.RecordOptions) (call.RecordResult, error) {
	return call.RecordResult{Name: o.Name, Duration: 4 * time.Second, HungUp: true}, nil
}

// boxService is a service with box 1000, room for 10 messages of 3 s to a minute.
func boxService(t *testing.T, dir string, db *store.DB) *Service {
	t.Helper()
	s := newService(t, dir, db)
	if err := s.Configure(&config.File{Voicemail: config.Voicemail{MaxMessages: 10, MinDuration: 3 * time.Second,
		MaxDuration: time.Minute, SilenceThreshold: 128, Boxes: map[string]config.Box{"1000": {Number: "1000", PIN: "1"}}}}); err != nil {
		t.Fatal(err)
	}
	return s
}

// A greeting that cannot be stored keeps the old one: logged, and the caller hears Sorry
// (the menu goes on) rather than the call ending.
func TestGreetingNotStoredKeepsTheOldOne(t *testing.T) {
	dir := t.TempDir()
	s := boxService(t, dir, openDB(t, dir))
	old := s.path(s.recName("1000", "greet-"+GreetUnavail))
	writeWAV(t, old, 2)
	for _, fault := range []func(*fakeCall) Call{
		func(f *fakeCall) Call { return &storageCall{fakeCall: f, empty: true} },
		func(f *fakeCall) Call {
			return &storageCall{fakeCall: f, err: fmt.Errorf("record x: %w: Could not open file", call.ErrRecordingFailed)}
		},
	} {
		var logs bytes.Buffer
		fc := &fakeCall{t: t, s: s, log: zerolog.Nop()}
		ss := &session{s: s, c: fault(fc), box: "1000", log: zerolog.New(&logs)}
		if err := ss.recordGreeting(context.Background(), GreetUnavail, "sound:vm-rec-unv"); err != nil {
			t.Fatalf("recordGreeting = %v, want the menu to go on", err)
		}
		if !slices.Equal(fc.played[len(fc.played)-len(Sorry):], Sorry) || !strings.Contains(logs.String(), "cannot be stored") {
			t.Errorf("played %v, logged %s; want Sorry and an error", fc.played, logs.String())
		}
		if info, err := os.Stat(old); err != nil || info.Size() != 44+2*16000 {
			t.Errorf("the old greeting: %v %v", info, err)
		}
		if _, err := os.Stat(s.path(s.recName("1000", "greet-"+GreetUnavail+"-new"))); err == nil {
			t.Errorf("the failed recording's file was left behind")
		}
	}
}
