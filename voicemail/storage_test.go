package voicemail

import (
	"bytes"
	"context"
	"errors"
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

// lostCall's recording does not end as Asterisk reports it: Record returns err, after
// writing the message's file unless nothing is written.
type lostCall struct {
	*fakeCall
	err     error
	hungUp  bool
	nothing bool
}

func (f *lostCall) Record(_ context.Context, o call.RecordOptions) (call.RecordResult, error) {
	f.records++
	if !f.nothing {
		writeRecording(f.t, f.s.deps.Dir, o.Name, o.Format, 5)
	}
	return call.RecordResult{Name: o.Name, HungUp: f.hungUp}, f.err
}

// A message whose recording did not end normally (the connection to Asterisk lost, the call
// stopped, no end reported after the hang-up) but whose file Asterisk wrote is listed at once,
// lamp and notice included; with no file written, the pending row stays for the next start.
func TestLeaveKeepsAWrittenMessageWhoseRecordingDidNotEnd(t *testing.T) {
	for _, tc := range []struct {
		name    string
		call    lostCall
		left    bool
		wantErr error // nil: none
	}{
		{"connection lost", lostCall{err: call.ErrConnectionLost}, true, call.ErrConnectionLost},
		{"call stopped", lostCall{err: context.Canceled}, true, context.Canceled},
		{"no end after the hang-up", lostCall{err: errors.New("record x: not stored 5s after the caller hung up"), hungUp: true}, true, nil},
		{"connection lost, nothing written", lostCall{err: call.ErrConnectionLost, nothing: true}, false, call.ErrConnectionLost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openDB(t, dir)
			notices := &noticeSpy{}
			s := boxService(t, dir, db)
			s.deps.Notices = notices
			c := tc.call
			c.fakeCall = &fakeCall{t: t, s: s, log: zerolog.Nop()}
			left, err := s.Leave(context.Background(), &c, "1000", "noanswer")
			if left != tc.left || (tc.wantErr == nil) != (err == nil) || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Leave = %v, %v; want %v, %v", left, err, tc.left, tc.wantErr)
			}
			msgs, _ := s.Messages("1000", "INBOX")
			cards, _ := filepath.Glob(filepath.Join(dir, "vmspool", "default", "1000", "INBOX", "msg*.txt"))
			pending := 0
			_ = db.ForEach(bucketPending, func(string, []byte) error { pending++; return nil })
			if !tc.left {
				if len(msgs) != 0 || len(notices.got) != 0 || pending != 1 {
					t.Errorf("INBOX %+v, notices %v, %d pending rows; want nothing listed and the pending row kept", msgs, notices.got, pending)
				}
				return
			}
			if len(msgs) != 1 || msgs[0].Caller != "2000" || msgs[0].Duration != 5*time.Second {
				t.Errorf("INBOX = %+v, want the 5 s message from 2000", msgs)
			}
			if len(cards) != 1 || !slices.Equal(notices.got, []string{"1000 2000 5s"}) || pending != 0 {
				t.Errorf("lamp cards %v, notices %v, %d pending rows; want the message's card and notice, no pending row", cards, notices.got, pending)
			}
		})
	}
}

// readOnly makes the service's database refuse writes (as a full or broken disk does)
// while it still reads; it returns the database's path.
func readOnly(t *testing.T, s *Service) string {
	t.Helper()
	path := s.deps.DB.Path()
	if err := s.deps.DB.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s.deps.DB = db
	return path
}

// dbFailsCall's database stops taking writes while the caller speaks.
type dbFailsCall struct{ *fakeCall }

func (f *dbFailsCall) Record(ctx context.Context, o call.RecordOptions) (call.RecordResult, error) {
	res, err := f.fakeCall.Record(ctx, o)
	readOnly(f.t, f.s)
	res.HungUp = false // the caller ends with #, and waits to hear the message was saved
	return res, err
}

// When the database cannot take a message, the caller hears the apology, not a beep then
// silence: before recording (the pending row), nothing is recorded; after (the message's
// row), the audio and its pending row are kept and the next start lists the message.
func TestLeaveWhenTheDatabaseCannotTakeTheMessage(t *testing.T) {
	t.Run("pending row", func(t *testing.T) {
		dir := t.TempDir()
		s := boxService(t, dir, openDB(t, dir))
		readOnly(t, s)
		var logs bytes.Buffer
		fc := &fakeCall{t: t, s: s, recordSecs: 5, log: zerolog.New(&logs)}
		left, err := s.Leave(context.Background(), fc, "1000", "noanswer")
		if left || err != nil {
			t.Fatalf("Leave = %v, %v; want no message and no error", left, err)
		}
		if fc.records != 0 || !slices.Equal(fc.played[len(fc.played)-len(Apology):], Apology) {
			t.Errorf("%d recordings, heard %v; want none and the apology at the end", fc.records, fc.played)
		}
		if !strings.Contains(logs.String(), `"level":"error"`) {
			t.Errorf("no error logged: %s", logs.String())
		}
	})
	t.Run("message row", func(t *testing.T) {
		dir := t.TempDir()
		s := boxService(t, dir, openDB(t, dir))
		var logs bytes.Buffer
		fc := &fakeCall{t: t, s: s, recordSecs: 5, log: zerolog.New(&logs)}
		left, err := s.Leave(context.Background(), &dbFailsCall{fc}, "1000", "noanswer")
		if left || err != nil {
			t.Fatalf("Leave = %v, %v; want no message listed and no error", left, err)
		}
		if slices.Contains(fc.played, "sound:vm-msgsaved") || !slices.Equal(fc.played[len(fc.played)-len(Apology):], Apology) {
			t.Errorf("heard %v, want the apology at the end", fc.played)
		}
		if !strings.Contains(logs.String(), `"level":"error"`) || !strings.Contains(logs.String(), "next start") {
			t.Errorf("no error logged saying the message is kept: %s", logs.String())
		}
		path := s.deps.DB.Path()
		s.deps.DB.Close()
		db, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		notices := &noticeSpy{}
		s, err = New(context.Background(), Deps{DB: db, Dir: dir, Prefix: "p/", Notices: notices, Logger: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		if msgs, _ := s.Messages("1000", "INBOX"); len(msgs) != 1 || msgs[0].Caller != "2000" || len(notices.got) != 1 {
			t.Errorf("after a restart: INBOX %+v, notices %v; want the message from 2000, announced", msgs, notices.got)
		}
	})
}
