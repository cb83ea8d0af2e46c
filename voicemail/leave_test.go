package voicemail

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
)

// fakeCall records what the flow plays; its recordings are files of recordSecs seconds.
type fakeCall struct {
	t          *testing.T
	s          *Service
	played     []string
	recordSecs int
	records    int
	recorded   []call.RecordOptions // what each Record asked of Asterisk
	controls   []call.PlayControls  // of each PlayControlled
	keys       []string             // what the caller presses, one each time the flow waits for a key
	number     string               // the caller's number; "2000" when empty
	log        zerolog.Logger
}

func (f *fakeCall) ID() string { return "c1" }
func (f *fakeCall) Caller() (string, string) {
	if f.number != "" {
		return f.number, "Bob"
	}
	return "2000", "Bob"
}
func (f *fakeCall) Logger() *zerolog.Logger              { return &f.log }
func (f *fakeCall) SetState(string)                      {}
func (f *fakeCall) Answer(context.Context) error         { return nil }
func (f *fakeCall) Hangup(context.Context, string) error { return nil }
func (f *fakeCall) Play(_ context.Context, _ bool, media ...string) (bool, error) {
	f.played = append(f.played, media...)
	return false, nil
}
func (f *fakeCall) PlayControlled(_ context.Context, media string, k call.PlayControls) (string, error) {
	f.played = append(f.played, media)
	f.controls = append(f.controls, k)
	return "", nil
}
func (f *fakeCall) Record(_ context.Context, o call.RecordOptions) (call.RecordResult, error) {
	f.records++
	f.recorded = append(f.recorded, o)
	writeRecording(f.t, f.s.deps.Dir, o.Name, o.Format, f.recordSecs)
	return call.RecordResult{Name: o.Name, Duration: time.Duration(f.recordSecs) * time.Second, HungUp: true}, nil
}
func (f *fakeCall) WaitDigit(context.Context, time.Duration) (string, error) {
	if len(f.keys) == 0 {
		return "", nil
	}
	k := f.keys[0]
	f.keys = f.keys[1:]
	return k, nil
}
func (f *fakeCall) TakeDigit() string { return "" } // nobody types ahead
func (f *fakeCall) ClearDigits()      {}

type noticeSpy struct{ got []string }

func (n *noticeSpy) VoicemailLeft(box, caller, _ string, d time.Duration, audio string) {
	n.got = append(n.got, box+" "+caller+" "+d.String())
}

func TestLeave(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	notices := &noticeSpy{}
	s, err := New(context.Background(), Deps{DB: db, Dir: dir, Prefix: "p/", Notices: notices, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	f := &config.File{Voicemail: config.Voicemail{Format: "wav", MaxMessages: 1, MinDuration: 3 * time.Second, MaxDuration: time.Minute,
		MaxSilence: 10 * time.Second, SilenceThreshold: 128, Boxes: map[string]config.Box{"1000": {Number: "1000", PIN: "1"}}}}
	if err := s.Configure(f); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		reason   string
		secs     int
		left     bool
		greeting []string
		records  int
	}{
		{"too short", "noanswer", 2, false, []string{"sound:vm-theperson", "digits:1000", "sound:vm-isunavail"}, 1},
		{"kept", "busy", 5, true, []string{"sound:vm-theperson", "digits:1000", "sound:vm-isonphone"}, 1},
		{"full", "noanswer", 5, false, []string{"sound:vm-mailboxfull"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeCall{t: t, s: s, recordSecs: tc.secs, log: zerolog.Nop()}
			left, err := s.Leave(context.Background(), c, "1000", tc.reason)
			if err != nil || left != tc.left {
				t.Fatalf("Leave = %v, %v; want %v", left, err, tc.left)
			}
			if !slices.Equal(c.played[:len(tc.greeting)], tc.greeting) || c.records != tc.records {
				t.Errorf("played %v, %d recordings; want %v first, %d recordings", c.played, c.records, tc.greeting, tc.records)
			}
			// The seed's maxsec 60 and maxsilence 10, after a beep, # to end (as VoiceMail()).
			for _, o := range c.recorded {
				if o.MaxDuration != time.Minute || o.MaxSilence != 10*time.Second || !o.Beep || o.TerminateOn != "#" || o.Format != "wav" {
					t.Errorf("recorded with %+v; want 60 s at most, 10 s of silence ending it, a beep, # to end, wav", o)
				}
			}
		})
	}
	msgs, _ := s.Messages("1000", "INBOX")
	if len(msgs) != 1 || msgs[0].Caller != "2000" || msgs[0].Duration != 5*time.Second {
		t.Fatalf("INBOX = %+v, want the 5 s message", msgs)
	}
	files, _ := os.ReadDir(s.boxDir("1000"))
	if len(files) != 1 {
		t.Errorf("box folder has %d files, want the kept message only", len(files))
	}
	if !slices.Equal(notices.got, []string{"1000 2000 5s"}) {
		t.Errorf("notices = %v", notices.got)
	}
	pending := 0
	_ = db.ForEach(bucketPending, func(string, []byte) error { pending++; return nil })
	if pending != 0 {
		t.Errorf("%d pending rows left", pending)
	}
	// a recorded unavailable greeting replaces the spoken default
	writeWAV(t, s.path(s.recName("1000", "greet-unavail")), 2)
	if got := s.greetingMedia("1000", "noanswer"); !slices.Equal(got, []string{"recording:p/voicemail/1000/greet-unavail"}) {
		t.Errorf("greeting = %v", got)
	}
	writeWAV(t, s.path(s.recName("1000", "greet-temp")), 2)
	if got := s.greetingMedia("1000", "busy"); !slices.Equal(got, []string{"recording:p/voicemail/1000/greet-temp"}) {
		t.Errorf("greeting with a temporary one = %v", got)
	}
}
